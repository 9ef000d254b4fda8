// `samsa user create|delete|list`: SCRAM credentials through AlterUserScramCredentials and
// DescribeUserScramCredentials (the password is salted by the client; it never reaches the broker).
import type { ScramMechanism } from '../../client/index.ts'
import type { Context } from './common.ts'
import { printJson, printTable } from './common.ts'
import { CliError } from './errors.ts'
import { withAdmin } from './topic.ts'

const MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512']

function mechanism(m: string | undefined): ScramMechanism {
  const up = (m ?? 'SCRAM-SHA-256').toUpperCase()
  if (!MECHANISMS.includes(up as ScramMechanism)) throw new CliError(`unknown mechanism '${m}' (SCRAM-SHA-256, SCRAM-SHA-512)`)
  return up as ScramMechanism
}

export function create(ctx: Context, user: string, o: { password?: string; mechanism?: string; iterations?: number }): Promise<void> {
  if (o.password === undefined || o.password === '') throw new CliError('--password is required')
  const m = mechanism(o.mechanism)
  return withAdmin(ctx, async (admin) => {
    await admin.alterScramCredentials([{ user, mechanism: m, password: o.password!, iterations: o.iterations }])
    if (ctx.json) printJson({ user, mechanism: m })
    else process.stdout.write(`created ${m} credentials for ${user}\n`)
  })
}

/** Deletes the user's credentials of one mechanism, or of every mechanism it has. */
export function remove(ctx: Context, user: string, o: { mechanism?: string }): Promise<void> {
  return withAdmin(ctx, async (admin) => {
    const mechanisms = o.mechanism !== undefined ? [mechanism(o.mechanism)]
      : (await admin.describeScramCredentials([user]))[0]!.credentials.map((c) => c.mechanism).filter((x): x is ScramMechanism => x !== 'UNKNOWN')
    await admin.alterScramCredentials([], mechanisms.map((m) => ({ user, mechanism: m })))
    if (ctx.json) printJson({ user, deleted: mechanisms })
    else process.stdout.write(`deleted ${mechanisms.join(', ')} credentials of ${user}\n`)
  })
}

export function list(ctx: Context): Promise<void> {
  return withAdmin(ctx, async (admin) => {
    const users = await admin.describeScramCredentials()
    if (ctx.json) {
      printJson(users)
      return
    }
    printTable(['USER', 'MECHANISM', 'ITERATIONS'], users.flatMap((u) => u.credentials.map((c) => [u.user, c.mechanism, c.iterations])))
  })
}
