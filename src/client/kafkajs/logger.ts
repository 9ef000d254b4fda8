// KafkaJS's logging: `logLevel` (NOTHING..DEBUG), a `logCreator(level)` returning the function that
// receives every entry ({ namespace, level, label, log: { timestamp, message, ...extra } }), and
// the Logger with namespace() and setLogLevel(). The default writes JSON lines to the console.
export const logLevel = { NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 } as const
export type logLevel = (typeof logLevel)[keyof typeof logLevel]

export interface LoggerEntryContent {
  readonly timestamp: string
  readonly message: string
  [key: string]: unknown
}

export interface LogEntry {
  namespace: string
  level: logLevel
  label: string
  log: LoggerEntryContent
}

export type logCreator = (level: logLevel) => (entry: LogEntry) => void

export interface Logger {
  info: (message: string, extra?: object) => void
  error: (message: string, extra?: object) => void
  warn: (message: string, extra?: object) => void
  debug: (message: string, extra?: object) => void
  namespace: (namespace: string, level?: logLevel) => Logger
  setLogLevel: (level: logLevel) => void
}

const LABELS: Record<number, string> = { 1: 'ERROR', 2: 'WARN', 4: 'INFO', 5: 'DEBUG' }

/** The default sink: one JSON line per entry, errors and warnings on stderr. */
export const consoleLogCreator: logCreator = () => ({ namespace, level, label, log }) => {
  const line = JSON.stringify({ level: label, ...log, logger: 'samsa-kafkajs', namespace })
  if (level <= logLevel.WARN) console.error(line)
  else console.log(line)
}

export function createLogger(level: logLevel = logLevel.INFO, creator: logCreator = consoleLogCreator): Logger {
  const state = { level }
  const sink = creator(level)
  const make = (ns: string, nsLevel?: logLevel): Logger => {
    const at = (l: logLevel) => (message: string, extra: object = {}) => {
      if (l > (nsLevel ?? state.level)) return
      sink({ namespace: ns, level: l, label: LABELS[l]!, log: { timestamp: new Date().toISOString(), message, ...extra } })
    }
    return {
      error: at(logLevel.ERROR), warn: at(logLevel.WARN), info: at(logLevel.INFO), debug: at(logLevel.DEBUG),
      namespace: (child, childLevel) => make(ns === '' ? child : `${ns}.${child}`, childLevel ?? nsLevel),
      setLogLevel: (l) => {
        state.level = l
      },
    }
  }
  return make('')
}
