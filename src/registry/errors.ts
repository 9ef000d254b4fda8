// The registry's failures as Confluent's REST errors: an HTTP status plus a finer `error_code`
// (40401 subject not found, 42201 invalid schema, 409 incompatible, 50001 store error, ...), so
// serializers that branch on either keep working. Messages follow the wording clients show users.

export class RegistryError extends Error {
  constructor(readonly status: number, readonly errorCode: number, message: string) {
    super(message)
    this.name = 'RegistryError'
  }

  body(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message }
  }
}

export const subjectNotFound = (subject: string) => new RegistryError(404, 40401, `Subject '${subject}' not found.`)
export const versionNotFound = (version: number | string) => new RegistryError(404, 40402, `Version ${version} not found.`)
export const schemaNotFound = (id?: number) => new RegistryError(404, 40403, id === undefined ? 'Schema not found' : `Schema ${id} not found`)
export const subjectSoftDeleted = (subject: string) =>
  new RegistryError(404, 40404, `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently`)
export const subjectNotSoftDeleted = (subject: string) =>
  new RegistryError(404, 40405, `Subject '${subject}' was not deleted first before being permanently deleted`)
export const versionSoftDeleted = (subject: string, version: number) =>
  new RegistryError(404, 40406, `Subject '${subject}' Version ${version} was soft deleted. Set permanent=true to delete permanently`)
export const versionNotSoftDeleted = (subject: string, version: number) =>
  new RegistryError(404, 40407, `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`)
export const subjectConfigNotFound = (subject: string) =>
  new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`)
export const subjectModeNotFound = (subject: string) =>
  new RegistryError(404, 40409, `Subject '${subject}' does not have subject-level mode configured`)
export const incompatible = (messages: readonly string[]) =>
  new RegistryError(409, 409, `Schema being registered is incompatible with an earlier schema for subject; ${messages.join('; ')}`)
export const invalidSchema = (why: string) => new RegistryError(422, 42201, `Invalid schema: ${why}`)
export const invalidVersion = (version: string) => new RegistryError(422, 42202,
  `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`)
export const invalidCompatibility = () => new RegistryError(422, 42203,
  'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive')
export const invalidMode = (mode: string) => new RegistryError(422, 42204, `Invalid mode '${mode}'. Valid values are READWRITE, READONLY and IMPORT`)
export const notPermitted = (why: string) => new RegistryError(422, 42205, why)
export const referenceExists = (what: string) => new RegistryError(422, 42206, `One or more references exist to the schema ${what}.`)
export const idMismatch = (why: string) => new RegistryError(422, 42207, why)
export const badRequest = (why: string) => new RegistryError(400, 400, why)
export const storeError = (why: string) => new RegistryError(500, 50001, `Error in the backend data store: ${why}`)
export const storeTimeout = (why: string) => new RegistryError(500, 50002, `Operation timed out: ${why}`)
