// The verification keys of KIP-768's broker-side validation: a JSON Web Key Set read from
// sasl.oauthbearer.jwks.endpoint.url. A file:// set is read again whenever the file changes; an
// http(s) set is fetched at start, then every sasl.oauthbearer.jwks.endpoint.refresh.ms, and at
// once when a token names a key id the set lacks (at most once a minute per id, as Kafka does, so
// forged ids cannot make the broker hammer the endpoint). A failed fetch keeps the keys it had and
// is retried after sasl.oauthbearer.jwks.endpoint.retry.backoff.ms, doubling up to ...max.ms.
// `jose` is loaded only when a listener is configured this way.
import { readFile, stat } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'
import type * as JoseModule from 'jose'

type Jose = typeof JoseModule
type KeyGetter = ReturnType<Jose['createLocalJWKSet']>
type GetKeyArgs = Parameters<KeyGetter>

export interface JwksOptions {
  readonly url: string
  readonly refreshMs: number
  readonly retryBackoffMs: number
  readonly retryBackoffMaxMs: number
}

/** How long a missing key id's refresh stands before the same id may trigger another. */
const MISSING_KID_HOLD_MS = 60_000
const MISSING_KID_CACHE = 16
const FETCH_TIMEOUT_MS = 10_000

export class JwksSource {
  private jose: Jose | undefined
  private keys: KeyGetter | undefined
  private fileMtimeMs = -1
  private loading: Promise<void> | undefined
  private timer: NodeJS.Timeout | undefined
  private backoffMs: number
  private closed = false
  private readonly missingKids = new Map<string, number>()
  /** Times the set was (re)loaded: for tests and logs. */
  loads = 0

  constructor(private readonly opts: JwksOptions, private readonly log: Logger) {
    this.backoffMs = opts.retryBackoffMs
  }

  private get isFile(): boolean {
    return this.opts.url.startsWith('file:')
  }

  /** Starts the first load (the broker's start goes on; a token waits for it). */
  start(): void {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined
    })
    void this.loading.catch(() => {})
  }

  close(): void {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
  }

  private schedule(ms: number): void {
    if (this.closed || this.isFile) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => this.refresh().catch(() => {}), ms)
    this.timer.unref()
  }

  private async fetchSet(): Promise<unknown> {
    if (this.isFile) {
      const path = fileURLToPath(this.opts.url)
      this.fileMtimeMs = (await stat(path)).mtimeMs
      return JSON.parse(await readFile(path, 'utf8')) as unknown
    }
    const res = await fetch(this.opts.url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/json' } })
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`)
    return await res.json() as unknown
  }

  private async load(): Promise<void> {
    this.jose ??= await import('jose')
    try {
      const set = await this.fetchSet()
      const keys = (set as { keys?: unknown }).keys
      if (!Array.isArray(keys)) throw new Error('not a JSON Web Key Set (no "keys" array)')
      this.keys = this.jose.createLocalJWKSet(set as Parameters<Jose['createLocalJWKSet']>[0])
      this.loads++
      this.backoffMs = this.opts.retryBackoffMs
      this.schedule(this.opts.refreshMs)
    } catch (err) {
      this.log.warn({ url: this.opts.url }, `could not read the JWKS at ${this.opts.url}: ${(err as Error).message}` +
        (this.keys ? ' (the keys read before stay in use)' : ''))
      this.schedule(this.backoffMs)
      this.backoffMs = Math.min(this.backoffMs * 2, this.opts.retryBackoffMaxMs)
      throw err
    }
  }

  /** Reloads now (one load at a time). */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined
    })
    return this.loading
  }

  private async current(): Promise<KeyGetter> {
    if (this.loading) await this.loading.catch(() => {})
    if (this.isFile && this.keys) {
      const mtime = await stat(fileURLToPath(this.opts.url)).then((s) => s.mtimeMs, () => this.fileMtimeMs)
      if (mtime !== this.fileMtimeMs) await this.refresh().catch(() => {})
    }
    if (!this.keys) await this.refresh()
    return this.keys!
  }

  /** True when `kid` may trigger a refresh now (Kafka's per-id hold). */
  private mayRefreshFor(kid: string): boolean {
    const now = Date.now()
    const until = this.missingKids.get(kid)
    if (until !== undefined && until > now) return false
    this.missingKids.delete(kid)
    this.missingKids.set(kid.slice(0, 1000), now + MISSING_KID_HOLD_MS)
    while (this.missingKids.size > MISSING_KID_CACHE) this.missingKids.delete(this.missingKids.keys().next().value!)
    return true
  }

  /** jose's key lookup for jwtVerify: an unknown key id refreshes the set once and looks again. */
  readonly getKey = async (...args: GetKeyArgs): Promise<Awaited<ReturnType<KeyGetter>>> => {
    const keys = await this.current()
    try {
      return await keys(...args)
    } catch (err) {
      const kid = args[0]?.kid
      if ((err as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY' || this.isFile || !this.mayRefreshFor(kid ?? '')) throw err
      this.log.info({ kid }, `a token names key id ${kid ?? '(none)'}, which the JWKS lacks: refreshing ${this.opts.url}`)
      await this.refresh()
      return await this.keys!(...args)
    }
  }
}
