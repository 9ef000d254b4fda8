// librdkafka's mock Kafka cluster (inside python3-confluent-kafka) as a child process: a real
// Kafka-speaking peer for proving the harness and for capturing reference bytes.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { requireTool } from './tools.ts'

export interface MockCluster {
  /** host:port of every mock broker, in broker id order. */
  brokers: { host: string; port: number }[]
  bootstrap: string
  close(): Promise<void>
}

const SCRIPT = new URL('./mock-cluster.py', import.meta.url).pathname

export async function startMockCluster(brokerCount = 1, timeoutMs = 15_000): Promise<MockCluster> {
  const python = requireTool('python3')
  const child = spawn(python, [SCRIPT, String(brokerCount)], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const brokers: { host: string; port: number }[] = []
  const lines = createInterface({ input: child.stdout })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`mock cluster not ready after ${timeoutMs} ms: ${stderr}`)), timeoutMs)
    const fail = (err: Error) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(err)
    }
    child.once('exit', (code) => fail(new Error(`mock cluster exited (${code}) before ready: ${stderr}`)))
    child.once('error', fail)
    lines.on('line', (line) => {
      if (line === 'ready') {
        clearTimeout(timer)
        child.removeAllListeners('exit')
        resolve()
        return
      }
      const at = line.lastIndexOf(':')
      brokers.push({ host: line.slice(0, at), port: Number(line.slice(at + 1)) })
    })
  })
  return {
    brokers,
    bootstrap: brokers.map((b) => `${b.host}:${b.port}`).join(','),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.stdin.end()
        setTimeout(() => child.kill('SIGKILL'), 3000).unref()
      }),
  }
}
