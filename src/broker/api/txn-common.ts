// Shared by the transaction API handlers: old request versions predate PRODUCER_FENCED (KIP-588)
// and get INVALID_PRODUCER_EPOCH instead.
import { ErrorCode } from '../../protocol/errors.ts'

export function fencedForVersion(code: number, version: number, firstVersionWithFenced: number): number {
  return code === ErrorCode.PRODUCER_FENCED && version < firstVersionWithFenced ? ErrorCode.INVALID_PRODUCER_EPOCH : code
}
