// Storage reports recovery and cleaning events through this minimal interface so that it does not
// depend on the broker's logger (pino satisfies it: info/warn/error(obj, msg)).
export interface StorageLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export const silentLogger: StorageLogger = { info() {}, warn() {}, error() {} }
