// Running `samsa` as a real process against an in-process broker, for the Kafka-facing commands.
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { startBroker } from '../../../src/broker/index.ts'
import type { Broker } from '../../../src/broker/index.ts'
import { runProcess } from '../../helpers/run.ts'
import type { RunOptions, RunResult } from '../../helpers/run.ts'
import { SAMSA_CLI } from '../../helpers/cli-entry.ts'

export const REPO = fileURLToPath(new URL('../../../', import.meta.url))
export const CLI = SAMSA_CLI

export function samsa(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return runProcess(process.execPath, [...CLI, ...args], { cwd: REPO, timeoutMs: 60_000, ...opts })
}

/** Runs samsa, expects exit 0 and no stderr, returns stdout. */
export async function ok(args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await samsa(args, opts)
  assert.equal(r.code, 0, `samsa ${args.join(' ')} exited ${r.code}\n${r.stderr}`)
  return r.stdout
}

export async function okJson<T = unknown>(args: string[], opts: RunOptions = {}): Promise<T> {
  return JSON.parse(await ok([...args, '--json'], opts)) as T
}

export function cliBroker(config: Record<string, string | number | boolean> = {}): Promise<Broker> {
  return startBroker({ config: { 'offsets.topic.num.partitions': 1, 'group.min.session.timeout.ms': 200, 'num.partitions': 1, ...config } })
}
