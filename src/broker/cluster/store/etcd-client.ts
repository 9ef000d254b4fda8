// The etcd3 client as the cluster store uses it, with what was measured against etcd 3.4 on a
// small machine: every unary call gets a deadline (without one, a write stalls ~7 s while etcd
// elects a new leader); every call carries the `hasleader` gRPC metadata, so a member that lost
// quorum answers "no leader" instead of serving stale reads and keeping watches silently open;
// etcd3's own retries and circuit breakers are turned off (a blind retry of a compare-and-swap
// that timed out may apply it twice: EtcdMetadataStore re-reads first). etcd3 and gRPC are loaded
// here by dynamic import, so a single node never loads them.
import type { CallOptions, Interceptor } from '@grpc/grpc-js'
import type { Etcd3, IOptions } from 'etcd3'
import type { EtcdConnect } from './etcd-connect.ts'

export interface EtcdClientOptions {
  /** Deadline of each unary call and each lease keep-alive exchange (default 2000 ms). */
  readonly callTimeoutMs?: number
}

/** What EtcdMetadataStore needs of the loaded modules. */
export interface EtcdClient {
  readonly etcd: Etcd3
  readonly callTimeoutMs: number
  /** Options for a stream that should end by itself after `ms` (keep-alive exchanges). */
  deadline(ms: number): CallOptions
}

/** A policy that runs the call once: etcd3 only calls `execute` (and expects a promise back). */
const once = { execute: async <T>(fn: () => T | Promise<T>): Promise<T> => fn() }

/** How long a member that answered UNAVAILABLE (down, unreachable, or without a leader) is passed over. */
const SKIP_UNAVAILABLE_MS = 2000

/**
 * A member's policy: runs the call once, and for a while after the member answered UNAVAILABLE
 * refuses without calling, which makes etcd3 try the next member in the same call. etcd3 picks a
 * member at random per call, so without this each retry of EtcdMetadataStore had a 1 in 3 chance
 * of going back to a dead member of three (a loaded gate ran out of retries that way with one
 * member down). A refused call never reached etcd, so skipping can never apply a write twice.
 * A lone member is never passed over: there is no other to try, and a member back from a restart
 * would be refused for the rest of the window (a gate's write after an etcd restart failed so).
 */
function memberPolicy(): typeof once {
  let skipUntil = 0
  // What the member answered, so an error of the passed-over call still says why (e.g. ECONNREFUSED).
  let why = ''
  return {
    execute: async <T>(fn: () => T | Promise<T>): Promise<T> => {
      if (Date.now() < skipUntil) throw new Error(`etcd member passed over: it was unavailable moments ago (${why})`)
      try {
        return await fn()
      } catch (err) {
        if ((err as { code?: unknown })?.code === 14 || /UNAVAILABLE|ECONNREFUSED|No connection established/.test(String((err as Error)?.message))) {
          skipUntil = Date.now() + SKIP_UNAVAILABLE_MS
          why = String((err as Error)?.message ?? err)
        }
        throw err
      }
    },
  }
}

export async function openEtcdClient(spec: EtcdConnect, opts: EtcdClientOptions = {}): Promise<EtcdClient> {
  const [{ Etcd3 }, grpc] = await Promise.all([import('etcd3'), import('@grpc/grpc-js')])
  const callTimeoutMs = opts.callTimeoutMs ?? 2000
  const hasLeader: Interceptor = (options, nextCall) => new grpc.InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      metadata.set('hasleader', 'true')
      next(metadata, listener)
    },
  })
  const options: IOptions = {
    hosts: spec.hosts.map((h) => `http://${h}`),
    dialTimeout: callTimeoutMs,
    defaultCallOptions: (ctx) => (ctx.isStream
      ? { interceptors: [hasLeader] }
      : { interceptors: [hasLeader], deadline: Date.now() + callTimeoutMs }),
    // A full read of a large cluster exceeds gRPC's 4 MiB default.
    grpcOptions: { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 },
    faultHandling: { global: once as never, host: () => (spec.hosts.length > 1 ? memberPolicy() : once) as never },
  }
  const etcd = new Etcd3(options)
  return {
    etcd,
    callTimeoutMs,
    deadline: (ms) => ({ interceptors: [hasLeader], deadline: Date.now() + ms }),
  }
}
