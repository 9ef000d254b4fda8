// A tiny request/response helper over RawClient for the admin/metadata handler tests.
import { RawClient, requestFrame, decodeResponseFrame } from '../raw-client.ts'

export class AdminRaw {
  private corr = 1
  private constructor(readonly client: RawClient) {}

  static async connect(port: number): Promise<AdminRaw> {
    return new AdminRaw(await RawClient.connect(port))
  }

  /** `timeoutMs`: how long to wait for the answer (default: the raw client's 5 s). */
  async call<T>(apiKey: number, version: number, body: unknown, timeoutMs?: number): Promise<T> {
    const corr = this.corr++
    this.client.write(requestFrame(apiKey, version, corr, body))
    const res = decodeResponseFrame<T>(apiKey, version, await this.client.readFrame(timeoutMs))
    if (res.correlationId !== corr) throw new Error(`correlation id ${res.correlationId}, expected ${corr}`)
    return res.body
  }

  close(): void {
    this.client.destroy()
  }
}
