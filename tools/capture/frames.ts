// Splits a TCP byte stream into Kafka frames (int32 size prefix) and peeks at the fixed start
// of a request header. This is not a message codec: it reads only what every request header
// version shares (api key, api version, correlation id, client id), enough to name a capture.

/** Accumulates chunks and yields complete frames (without their 4-byte size prefix). */
export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const frames: Buffer[] = []
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0)
      if (size < 0) throw new Error(`negative frame size ${size}`)
      if (this.pending.length < 4 + size) break
      frames.push(Buffer.from(this.pending.subarray(4, 4 + size)))
      this.pending = this.pending.subarray(4 + size)
    }
    return frames
  }
}

export interface RequestHeaderPeek {
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
}

/** Request headers v1 and v2 both start with key, version, correlation id and a nullable int16 string. */
export function peekRequestHeader(frame: Buffer): RequestHeaderPeek {
  const apiKey = frame.readInt16BE(0)
  const apiVersion = frame.readInt16BE(2)
  const correlationId = frame.readInt32BE(4)
  const len = frame.length >= 10 ? frame.readInt16BE(8) : -1
  const clientId = len < 0 ? null : frame.toString('utf8', 10, 10 + len)
  return { apiKey, apiVersion, correlationId, clientId }
}

/** Every response header starts with the correlation id. */
export const peekCorrelationId = (frame: Buffer): number => frame.readInt32BE(0)
