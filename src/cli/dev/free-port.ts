// A loopback port nobody listens on right now, for dev clusters, etcd and benches that start
// servers of their own. (Another process may take it before ours binds: callers accept that race.)
import { createServer } from 'node:net'

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}
