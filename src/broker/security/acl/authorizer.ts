// Kafka's ACL decision for one principal, client host, operation and resource: super users may do
// anything; a matching DENY wins over any ALLOW; an ALLOW of the operation (or ALL, or one that
// implies it: READ, WRITE, DELETE or ALTER imply DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS)
// allows; a resource no ACL applies to is open only with allow.everyone.if.no.acl.found. Principal
// `User:*` and host `*` match everyone.
import { Operation, PatternType, Permission, patternApplies } from './acl.ts'
import type { AclBinding } from './acl.ts'
import type { AclStore } from './acl-store.ts'

/** authorizer.class.name values that turn ACLs on (KRaft's and ZooKeeper-era class names). */
export const AUTHORIZER_CLASSES = ['org.apache.kafka.metadata.authorizer.StandardAuthorizer', 'kafka.security.authorizer.AclAuthorizer']

const IMPLIES_DESCRIBE = new Set<number>([Operation.READ, Operation.WRITE, Operation.DELETE, Operation.ALTER, Operation.DESCRIBE])

function grants(op: number, wanted: number, permission: number): boolean {
  if (op === Operation.ALL || op === wanted) return true
  // Implications apply to ALLOW only, as in Kafka.
  if (permission !== Permission.ALLOW) return false
  if (wanted === Operation.DESCRIBE) return IMPLIES_DESCRIBE.has(op)
  if (wanted === Operation.DESCRIBE_CONFIGS) return op === Operation.ALTER_CONFIGS
  return false
}

export class Authorizer {
  constructor(
    private readonly acls: AclStore,
    private readonly superUsers: ReadonlySet<string>,
    private readonly allowIfNoAcl: boolean,
  ) {}

  authorize(principal: string, host: string, operation: number, resourceType: number, name: string): boolean {
    if (this.superUsers.has(principal)) return true
    let applies = false
    let allowed = false
    for (const b of this.acls.all()) {
      if (b.resourceType !== resourceType || !patternApplies(b.patternType, b.resourceName, name)) continue
      applies = true
      if (!this.entryMatches(b, principal, host)) continue
      if (!grants(b.operation, operation, b.permission)) continue
      if (b.permission === Permission.DENY) return false
      allowed = true
    }
    return allowed || (!applies && this.allowIfNoAcl)
  }

  /**
   * Kafka's authorizeByResourceType: some ALLOW for the operation on a resource of this type
   * (any name, any pattern), unless a DENY for it covers every name (LITERAL `*` or PREFIXED '').
   * With no ACL of the type at all, allow.everyone.if.no.acl.found decides.
   */
  authorizeAny(principal: string, host: string, operation: number, resourceType: number): boolean {
    if (this.superUsers.has(principal)) return true
    let any = false
    let allowed = false
    for (const b of this.acls.all()) {
      if (b.resourceType !== resourceType) continue
      any = true
      if (!this.entryMatches(b, principal, host) || !grants(b.operation, operation, b.permission)) continue
      if (b.permission === Permission.DENY) {
        if ((b.patternType === PatternType.LITERAL && b.resourceName === '*') || (b.patternType === PatternType.PREFIXED && b.resourceName === '')) return false
        continue
      }
      allowed = true
    }
    return allowed || (!any && this.allowIfNoAcl)
  }

  private entryMatches(b: AclBinding, principal: string, host: string): boolean {
    return (b.principal === principal || b.principal === 'User:*') && (b.host === '*' || b.host === host)
  }
}

/** `super.users`: `User:a;User:b`. */
export function parseSuperUsers(text: string | null): Set<string> {
  return new Set((text ?? '').split(';').map((s) => s.trim()).filter((s) => s !== ''))
}
