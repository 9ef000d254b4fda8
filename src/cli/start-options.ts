// `samsa start`'s options, apart from start.ts so that `samsa --help` need not load the broker.

export const START_HELP = `Listens on PLAINTEXT://localhost:9092 unless --port or 'listeners' says otherwise.
'samsa configs' lists every setting.`

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** `samsa start`'s options as commander parsed them. */
export interface StartOptions {
  readonly dataDir?: string
  readonly config?: string
  readonly port?: number
  readonly set?: readonly string[]
  readonly logLevel?: string
}
