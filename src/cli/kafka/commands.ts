// The Kafka-facing commands (topic, produce, consume, group, cluster, acl, user) as commander subcommands.
// They use only samsa/client, so they work against any Kafka; each body loads when it runs.
import { InvalidArgumentError, Option } from 'commander'
import type { Command } from 'commander'
import { collect, run, withClientOptions } from './common.ts'
import type { CommonOptions } from './common.ts'
import type { ResetTo } from './group.ts'

function count(min: number) {
  return (text: string): number => {
    const n = Number(text)
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`)
    return n
  }
}

/** Options of a command merged with those of its parents (topic's subcommands inherit none). */
const opts = <T>(cmd: Command): T & CommonOptions => cmd.optsWithGlobals()

function topicCommands(samsa: Command): void {
  const topic = samsa.command('topic').description('create, list, describe, alter and delete topics')
  const load = () => import('./topic.ts')
  withClientOptions(topic.command('create').description('create a topic')
    .argument('<name>')
    .option('-p, --partitions <n>', 'number of partitions (default: the broker\'s num.partitions)', count(1))
    .option('-r, --replication <n>', 'replication factor (default: the broker\'s default.replication.factor)', count(1))
    .option('-c, --config <key=value>', 'topic config, e.g. retention.ms=86400000 (repeatable)', collect))
    .action((name: string, _o, cmd: Command) => run('topic create', opts(cmd), async (ctx) => (await load()).create(ctx, name, opts(cmd))))
  withClientOptions(topic.command('list').description('list topics')
    .option('--internal', 'include internal topics (__consumer_offsets, ...)'))
    .action((_o, cmd: Command) => run('topic list', opts(cmd), async (ctx) => (await load()).list(ctx, opts(cmd))))
  withClientOptions(topic.command('describe').description('partitions, leaders, replicas, ISR, offsets and non-default configs').argument('<name>'))
    .action((name: string, _o, cmd: Command) => run('topic describe', opts(cmd), async (ctx) => (await load()).describe(ctx, name)))
  withClientOptions(topic.command('alter-config').description('set (or delete) topic configs').argument('<name>')
    .option('-c, --config <key=value>', 'config to set (repeatable)', collect)
    .option('-d, --delete <key>', 'config to remove, back to its default (repeatable)', collect))
    .action((name: string, _o, cmd: Command) => run('topic alter-config', opts(cmd), async (ctx) => (await load()).alterConfig(ctx, name, opts(cmd))))
  withClientOptions(topic.command('add-partitions').description('grow a topic to N partitions').argument('<name>')
    .requiredOption('-p, --partitions <n>', 'the new total number of partitions', count(1)))
    .action((name: string, _o, cmd: Command) => run('topic add-partitions', opts(cmd), async (ctx) => (await load()).addPartitions(ctx, name, opts(cmd))))
  withClientOptions(topic.command('delete').description('delete topics').argument('<names...>'))
    .action((names: string[], _o, cmd: Command) => run('topic delete', opts(cmd), async (ctx) => (await load()).remove(ctx, names)))
}

function groupCommands(samsa: Command): void {
  const group = samsa.command('group').description('list, describe, reset offsets of and delete consumer groups')
  const load = () => import('./group.ts')
  withClientOptions(group.command('list').description('list consumer groups'))
    .action((_o, cmd: Command) => run('group list', opts(cmd), async (ctx) => (await load()).list(ctx)))
  withClientOptions(group.command('describe').description('members, assignments, committed offsets and lag').argument('<group>'))
    .action((g: string, _o, cmd: Command) => run('group describe', opts(cmd), async (ctx) => (await load()).describe(ctx, g)))
  withClientOptions(group.command('reset-offsets').description('move a group\'s committed offsets (a dry run without --execute)').argument('<group>')
    .requiredOption('--topic <topic>', 'topic whose offsets to reset (repeatable)', collect)
    .option('--to-earliest', 'to the log start')
    .option('--to-latest', 'to the log end')
    .option('--to-offset <n>', 'to offset N (clamped to the log)', count(0))
    .option('--to-datetime <time>', 'to the first record at or after TIME (ISO 8601 or epoch ms)')
    .option('--execute', 'apply the change (the group must have no active members)'))
    .action((g: string, _o, cmd: Command) => run('group reset-offsets', opts(cmd), async (ctx) => {
      const o = opts<{ topic: string[]; toEarliest?: boolean; toLatest?: boolean; toOffset?: number; toDatetime?: string; execute?: boolean }>(cmd)
      const m = await load()
      const { CliError } = await import('./errors.ts')
      const chosen = [o.toEarliest && 'earliest', o.toLatest && 'latest', o.toOffset !== undefined && 'offset', o.toDatetime !== undefined && 'datetime'].filter(Boolean)
      if (chosen.length !== 1) throw new CliError('give exactly one of --to-earliest, --to-latest, --to-offset N, --to-datetime TIME')
      const to: ResetTo = o.toEarliest ? { kind: 'earliest' } : o.toLatest ? { kind: 'latest' }
        : o.toOffset !== undefined ? { kind: 'offset', offset: o.toOffset } : { kind: 'datetime', ms: m.parseDatetime(o.toDatetime!) }
      await m.resetOffsets(ctx, g, { topic: o.topic, to, execute: o.execute === true })
    }))
  withClientOptions(group.command('delete').description('delete consumer groups (they must have no active members)').argument('<groups...>'))
    .action((gs: string[], _o, cmd: Command) => run('group delete', opts(cmd), async (ctx) => (await load()).remove(ctx, gs)))
}

function aclOptions(cmd: Command, what: string): Command {
  return withClientOptions(cmd
    .option('--principal <principal>', `principal ${what}, e.g. User:alice or User:*`)
    .option('--host <host>', `host ${what} (default *)`)
    .option('-o, --operation <op>', 'READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, CLUSTER_ACTION, ALL (repeatable, or comma-separated)', collect)
    .option('--allow', 'an ALLOW binding')
    .option('--deny', 'a DENY binding')
    .option('--topic <name>', 'the topic (a prefix with --prefixed)')
    .option('--group <name>', 'the consumer group (a prefix with --prefixed)')
    .option('--transactional-id <id>', 'the transactional id (a prefix with --prefixed)')
    .option('--cluster', 'the cluster resource')
    .option('--prefixed', 'the resource name is a prefix (PREFIXED pattern)'))
}

function securityCommands(samsa: Command): void {
  const acl = samsa.command('acl').description('create, list and delete ACLs (the broker needs an authorizer)')
  const loadAcl = () => import('./acl.ts')
  aclOptions(acl.command('create').description('add ALLOW or DENY bindings, one per operation'), 'the binding is for')
    .action((_o, cmd: Command) => run('acl create', opts(cmd), async (ctx) => (await loadAcl()).create(ctx, opts(cmd))))
  aclOptions(acl.command('list').description('list the bindings that match the options (all without options)'), 'to match')
    .action((_o, cmd: Command) => run('acl list', opts(cmd), async (ctx) => (await loadAcl()).list(ctx, opts(cmd))))
  aclOptions(acl.command('delete').description('delete the bindings that match the options'), 'to match')
    .action((_o, cmd: Command) => run('acl delete', opts(cmd), async (ctx) => (await loadAcl()).remove(ctx, opts(cmd))))
  const user = samsa.command('user').description('create, delete and list SCRAM users')
  const loadUser = () => import('./user.ts')
  withClientOptions(user.command('create').description('create (or change) a user\'s SCRAM credentials').argument('<user>')
    .requiredOption('--password <password>', 'the password (salted by this client)')
    .option('--mechanism <m>', 'SCRAM-SHA-256 (default) or SCRAM-SHA-512')
    .option('--iterations <n>', 'PBKDF2 iterations (4096-16384; default 4096)', count(1)))
    .action((name: string, _o, cmd: Command) => run('user create', opts(cmd), async (ctx) => (await loadUser()).create(ctx, name, opts(cmd))))
  withClientOptions(user.command('delete').description('delete a user\'s SCRAM credentials (every mechanism unless --mechanism)').argument('<user>')
    .option('--mechanism <m>', 'SCRAM-SHA-256 or SCRAM-SHA-512'))
    .action((name: string, _o, cmd: Command) => run('user delete', opts(cmd), async (ctx) => (await loadUser()).remove(ctx, name, opts(cmd))))
  withClientOptions(user.command('list').description('users with SCRAM credentials'))
    .action((_o, cmd: Command) => run('user list', opts(cmd), async (ctx) => (await loadUser()).list(ctx)))
}

export function addKafkaCommands(samsa: Command): void {
  topicCommands(samsa)
  groupCommands(samsa)
  securityCommands(samsa)
  withClientOptions(samsa.command('produce').description('send one record per line of stdin (or -f FILE) to a topic').argument('<topic>')
    .option('-k, --key-separator <sep>', 'text before SEP on a line is the key')
    .option('-H, --header <key=value>', 'header for every record (repeatable)', collect)
    .option('-p, --partition <n>', 'send to this partition (default: by key, or sticky)', count(0))
    .option('-f, --file <file>', 'read lines from FILE instead of stdin'))
    .action((topic: string, _o, cmd: Command) => run('produce', opts(cmd), async (ctx) => (await import('./produce.ts')).produce(ctx, topic, opts(cmd))))
  withClientOptions(samsa.command('consume').description('print records of topics until -n COUNT or Ctrl-C').argument('<topics...>')
    .option('-g, --group <group>', 'consume as a member of GROUP (committing its progress)')
    .addOption(new Option('-o, --offset <where>', 'beginning, end, OFFSET or @TIMESTAMP (ms or ISO 8601)').default('beginning'))
    .option('-n, --count <n>', 'exit after COUNT records', count(0))
    .option('-f, --format <template>', 'kcat-style template: %s value, %k key, %t topic, %p partition, %o offset, %T timestamp, %h headers'))
    .action((topics: string[], _o, cmd: Command) => run('consume', opts(cmd), async (ctx) => {
      const m = await import('./consume.ts')
      const o = opts<{ group?: string; offset: string; count?: number; format?: string }>(cmd)
      return m.consume(ctx, topics, { group: o.group, offset: m.parseStartAt(o.offset), count: o.count, format: o.format })
    }))
  const cluster = samsa.command('cluster').description('cluster-wide information')
  withClientOptions(cluster.command('info').description('cluster id, controller, brokers with racks and listeners'))
    .action((_o, cmd: Command) => run('cluster info', opts(cmd), async (ctx) => (await import('./cluster-info.ts')).info(ctx)))
}
