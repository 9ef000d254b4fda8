// The ACL decision on its own: super users, DENY over ALLOW, ALL, the operations that imply
// DESCRIBE / DESCRIBE_CONFIGS, wildcard principal, host and resource name, PREFIXED patterns, and
// allow.everyone.if.no.acl.found for resources no ACL applies to.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Authorizer, parseSuperUsers } from '../../../src/broker/security/acl/authorizer.ts'
import type { AclStore } from '../../../src/broker/security/acl/acl-store.ts'
import { Operation as Op, PatternType, Permission, ResourceType as RT, filterMatches, invalidBinding } from '../../../src/broker/security/acl/acl.ts'
import type { AclBinding } from '../../../src/broker/security/acl/acl.ts'

const b = (principal: string, name: string, operation: number, permission: number = Permission.ALLOW, patternType: number = PatternType.LITERAL,
  host = '*', resourceType: number = RT.TOPIC): AclBinding => ({ resourceType, resourceName: name, patternType, principal, host, operation, permission })

function authorizer(bindings: AclBinding[], allowIfNoAcl = false): Authorizer {
  return new Authorizer({ all: () => bindings } as unknown as AclStore, parseSuperUsers('User:root; User:CN=ops,O=x'), allowIfNoAcl)
}

test('super users, DENY over ALLOW, ALL and implied operations', () => {
  const a = authorizer([b('User:alice', 'orders', Op.WRITE), b('User:alice', 'orders', Op.READ, Permission.DENY), b('User:bob', 'orders', Op.ALL),
    b('User:carol', 'orders', Op.ALTER_CONFIGS), b('User:bob', 'orders', Op.ALTER, Permission.DENY)])
  const can = (p: string, op: number) => a.authorize(p, '10.0.0.1', op, RT.TOPIC, 'orders')
  assert.equal(can('User:root', Op.DELETE), true)
  assert.equal(can('User:CN=ops,O=x', Op.DELETE), true)
  assert.equal(can('User:alice', Op.WRITE), true)
  assert.equal(can('User:alice', Op.DESCRIBE), true, 'WRITE implies DESCRIBE')
  assert.equal(can('User:alice', Op.READ), false, 'DENY')
  assert.equal(can('User:bob', Op.READ), true, 'ALL')
  assert.equal(can('User:bob', Op.ALTER), false, 'DENY beats ALL')
  assert.equal(can('User:carol', Op.DESCRIBE_CONFIGS), true, 'ALTER_CONFIGS implies DESCRIBE_CONFIGS')
  assert.equal(can('User:carol', Op.DESCRIBE), false)
  assert.equal(can('User:dave', Op.DESCRIBE), false)
})

test('wildcards, hosts, PREFIXED patterns and resources without ACLs', () => {
  const a = authorizer([b('User:*', 'logs-', Op.READ, Permission.ALLOW, PatternType.PREFIXED), b('User:eve', '*', Op.WRITE, Permission.ALLOW, PatternType.LITERAL, '10.0.0.9'),
    b('User:eve', 'logs-secret', Op.READ, Permission.DENY)])
  assert.equal(a.authorize('User:x', '1.2.3.4', Op.READ, RT.TOPIC, 'logs-app'), true)
  assert.equal(a.authorize('User:x', '1.2.3.4', Op.READ, RT.TOPIC, 'log'), false)
  assert.equal(a.authorize('User:eve', '10.0.0.9', Op.WRITE, RT.TOPIC, 'anything'), true)
  assert.equal(a.authorize('User:eve', '10.0.0.8', Op.WRITE, RT.TOPIC, 'anything'), false)
  assert.equal(a.authorize('User:eve', '10.0.0.9', Op.READ, RT.TOPIC, 'logs-secret'), false)
  // Another resource type: no ACL applies.
  assert.equal(a.authorize('User:x', '1.2.3.4', Op.READ, RT.GROUP, 'g'), false)
  assert.equal(authorizer([], true).authorize('User:x', '1.2.3.4', Op.READ, RT.GROUP, 'g'), true)
  assert.equal(authorizer([b('User:y', 'g', Op.READ, Permission.ALLOW, PatternType.LITERAL, '*', RT.GROUP)], true)
    .authorize('User:x', '1.2.3.4', Op.READ, RT.GROUP, 'g'), false, 'an ACL applies: allow.everyone.if.no.acl.found does not')
})

test('filters (MATCH, ANY) and binding validation', () => {
  const prefixed = b('User:a', 'ord', Op.READ, Permission.ALLOW, PatternType.PREFIXED)
  const any = { resourceType: RT.ANY, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: Op.ANY, permission: Permission.ANY }
  assert.equal(filterMatches(any, prefixed), true)
  assert.equal(filterMatches({ ...any, patternType: PatternType.MATCH, resourceName: 'orders' }, prefixed), true)
  assert.equal(filterMatches({ ...any, patternType: PatternType.MATCH, resourceName: 'logs' }, prefixed), false)
  assert.equal(filterMatches({ ...any, patternType: PatternType.LITERAL, resourceName: 'orders' }, prefixed), false)
  assert.match(invalidBinding({ ...prefixed, principal: 'alice' }) ?? '', /Invalid principal/)
  assert.match(invalidBinding({ ...prefixed, patternType: PatternType.MATCH }) ?? '', /LITERAL or PREFIXED/)
  assert.match(invalidBinding({ ...prefixed, resourceType: RT.CLUSTER, resourceName: 'x' }) ?? '', /kafka-cluster/)
})
