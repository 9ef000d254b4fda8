// `samsa acl create|list|delete`: ACL bindings through CreateAcls/DescribeAcls/DeleteAcls, named
// as kafka-acls.sh names them (principal, host, operation, permission, resource, pattern type).
import type { AclBinding, AclFilter, AclOperation, AclResourceType } from '../../client/index.ts'
import type { Context } from './common.ts'
import { printJson, printTable } from './common.ts'
import { CliError } from './errors.ts'
import { withAdmin } from './topic.ts'

export interface AclOptions {
  principal?: string
  host?: string
  operation?: string[]
  allow?: boolean
  deny?: boolean
  topic?: string
  group?: string
  transactionalId?: string
  cluster?: boolean
  prefixed?: boolean
}

/** The resource the options name (exactly one), or undefined when none is given. */
function resource(o: AclOptions): { type: AclResourceType; name: string } | undefined {
  const given: { type: AclResourceType; name: string }[] = []
  if (o.topic !== undefined) given.push({ type: 'TOPIC', name: o.topic })
  if (o.group !== undefined) given.push({ type: 'GROUP', name: o.group })
  if (o.transactionalId !== undefined) given.push({ type: 'TRANSACTIONAL_ID', name: o.transactionalId })
  if (o.cluster === true) given.push({ type: 'CLUSTER', name: 'kafka-cluster' })
  if (given.length > 1) throw new CliError('name one resource: --topic, --group, --transactional-id or --cluster')
  return given[0]
}

const operations = (o: AclOptions): AclOperation[] =>
  (o.operation ?? []).flatMap((s) => s.split(',')).map((s) => s.trim().toUpperCase().replace(/-/g, '_') as AclOperation)

function permission(o: AclOptions): 'ALLOW' | 'DENY' | undefined {
  if (o.allow === true && o.deny === true) throw new CliError('give --allow or --deny, not both')
  return o.allow === true ? 'ALLOW' : o.deny === true ? 'DENY' : undefined
}

export function create(ctx: Context, o: AclOptions): Promise<void> {
  const r = resource(o)
  if (r === undefined) throw new CliError('name the resource: --topic, --group, --transactional-id or --cluster')
  if (o.principal === undefined) throw new CliError('--principal is required (e.g. User:alice)')
  const perm = permission(o)
  if (perm === undefined) throw new CliError('give --allow or --deny')
  const ops = operations(o)
  if (ops.length === 0) throw new CliError('give at least one --operation (READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, ALL, ...)')
  const bindings: AclBinding[] = ops.map((operation) => ({
    resourceType: r.type, resourceName: r.name, patternType: o.prefixed === true ? 'PREFIXED' : 'LITERAL',
    principal: o.principal!, host: o.host ?? '*', operation, permission: perm,
  }))
  return withAdmin(ctx, async (admin) => {
    await admin.createAcls(bindings)
    if (ctx.json) printJson({ created: bindings })
    else process.stdout.write(`created ${bindings.length} ACL${bindings.length === 1 ? '' : 's'}\n`)
  })
}

function filter(o: AclOptions): AclFilter {
  const r = resource(o)
  const ops = operations(o)
  if (ops.length > 1) throw new CliError('a filter takes one --operation')
  return {
    resourceType: r?.type ?? 'ANY', resourceName: r?.name ?? null,
    patternType: o.prefixed === true ? 'PREFIXED' : r === undefined ? 'ANY' : 'LITERAL',
    principal: o.principal ?? null, host: o.host ?? null, operation: ops[0] ?? 'ANY', permission: permission(o) ?? 'ANY',
  }
}

function print(ctx: Context, bindings: readonly AclBinding[]): void {
  if (ctx.json) {
    printJson(bindings)
    return
  }
  printTable(['PRINCIPAL', 'HOST', 'OPERATION', 'PERMISSION', 'RESOURCE', 'NAME', 'PATTERN'],
    bindings.map((b) => [b.principal, b.host, b.operation, b.permission, b.resourceType, b.resourceName, b.patternType]))
}

export function list(ctx: Context, o: AclOptions): Promise<void> {
  return withAdmin(ctx, async (admin) => print(ctx, await admin.describeAcls(filter(o))))
}

export function remove(ctx: Context, o: AclOptions): Promise<void> {
  // Deleting every ACL of the cluster by accident takes one flag at least.
  if (resource(o) === undefined && o.principal === undefined) throw new CliError('name a resource or a --principal to delete ACLs of')
  return withAdmin(ctx, async (admin) => {
    const deleted = await admin.deleteAcls([filter(o)])
    if (ctx.json) printJson({ deleted })
    else process.stdout.write(`deleted ${deleted.length} ACL${deleted.length === 1 ? '' : 's'}\n`)
  })
}
