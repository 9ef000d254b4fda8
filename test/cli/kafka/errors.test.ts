// Bad input to the Kafka-facing commands: one line naming the problem on stderr, nothing on
// stdout, a non-zero exit, no stack trace.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { cliBroker, samsa } from './helpers.ts'

test('unknown topic or group, bad flags and values: one line and a non-zero exit', { timeout: 60_000 }, async () => {
  const broker = await cliBroker()
  const b = ['-b', broker.bootstrap]
  try {
    const cases: [string[], number, string | RegExp][] = [
      [['topic', 'describe', 'nope', ...b], 1, "samsa topic describe: unknown topic 'nope'\n"],
      [['produce', 'nope', ...b], 1, "samsa produce: unknown topic 'nope'\n"],
      [['consume', 'nope', '-n', '1', ...b], 1, "samsa consume: unknown topic 'nope'\n"],
      [['topic', 'delete', 'nope', ...b], 1, "samsa topic delete: unknown topic 'nope'\n"],
      [['group', 'describe', 'nobody', ...b], 1, "samsa group describe: unknown group 'nobody'\n"],
      [['topic', 'create', 'x', '-p', 'many', ...b], 2, /^error: option '-p, --partitions <n>' argument 'many' is invalid\. expected an integer >= 1\n\(add --help for usage\)\n$/],
      [['topic', 'list', '--bogus', ...b], 2, "error: unknown option '--bogus'\n(add --help for usage)\n"],
      [['consume', 'x', '-o', 'yesterday', ...b], 1, "samsa consume: -o 'yesterday' is not beginning, end, an offset or @TIMESTAMP\n"],
      [['topic', 'list', '-X', 'nonsense', ...b], 1, "samsa topic list: -X 'nonsense' is not key=value\n"],
      [['group', 'reset-offsets', 'g', '--topic', 't', ...b], 1, 'samsa group reset-offsets: give exactly one of --to-earliest, --to-latest, --to-offset N, --to-datetime TIME\n'],
    ]
    const results: Awaited<ReturnType<typeof samsa>>[] = []
    // A few at a time: each is a tsx process on a small machine.
    for (let i = 0; i < cases.length; i += 5) {
      results.push(...await Promise.all(cases.slice(i, i + 5).map(([args]) => samsa(args))))
    }
    cases.forEach(([args, code, stderr], i) => {
      const r = results[i]!
      assert.equal(r.code, code, `samsa ${args.join(' ')}: ${r.stderr}`)
      assert.equal(r.stdout, '', `samsa ${args.join(' ')}`)
      if (typeof stderr === 'string') assert.equal(r.stderr, stderr)
      else assert.match(r.stderr, stderr)
    })
  } finally {
    await broker.close()
  }
})
