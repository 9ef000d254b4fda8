// A config problem that names the key, so `samsa start` and CreateTopics can print/return it as is.
export class ConfigError extends Error {
  readonly key: string

  constructor(key: string, message: string) {
    super(`${key}: ${message}`)
    this.name = 'ConfigError'
    this.key = key
  }
}
