// A TCP proxy that counts the connections it accepts. Advertised as a broker's address, it shows
// whether a client kept its connection (e.g. re-authenticating on it, KIP-368) or made a new one.
import { createConnection, createServer } from 'node:net'
import { once } from 'node:events'

export interface CountingProxy {
  readonly port: number
  /** Connections accepted so far. */
  readonly accepted: number
  close(): void
}

/** Listens on loopback; each connection is piped to the port `upstream()` names at that moment. */
export async function startCountingProxy(upstream: () => number): Promise<CountingProxy> {
  let accepted = 0
  const server = createServer((client) => {
    accepted++
    const up = createConnection({ host: '127.0.0.1', port: upstream() })
    client.pipe(up).pipe(client)
    client.on('error', () => up.destroy())
    up.on('error', () => client.destroy())
    client.on('close', () => up.destroy())
    up.on('close', () => client.destroy())
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  return {
    port,
    get accepted() { return accepted },
    close: () => server.close(),
  }
}
