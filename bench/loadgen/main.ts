// Entry point of a load generator process (forked by bench/broker.ts): receives jobs over IPC, one
// at a time, and answers each with its result; it exits when the parent disconnects. `sink` mode instead runs the plain TCP sink server
// and reports the bytes it received when told to stop.
import type { Job } from './jobs.ts'
import { runConsume } from './consumer.ts'
import { runLatency } from './latency.ts'
import { runProduce } from './producer.ts'
import { runBlast, startSink } from './sink.ts'

async function runJob(job: Job): Promise<unknown> {
  switch (job.kind) {
    case 'produce': return runProduce(job)
    case 'consume': return runConsume(job)
    case 'latency': return runLatency(job)
    case 'blast': return runBlast(job)
  }
}

const send = (msg: unknown) => new Promise<void>((resolve) => process.send!(msg, () => resolve()))

if (process.argv[2] === 'sink') {
  const sink = await startSink()
  await send({ port: sink.port })
  process.on('message', () => {
    void send({ bytes: sink.bytes() }).then(() => process.exit(0))
  })
} else {
  process.on('message', (job: Job) => {
    void runJob(job).then(
      (result) => send({ result }),
      (err: Error) => send({ error: err.stack ?? err.message }),
    )
  })
  process.on('disconnect', () => process.exit(0))
}
