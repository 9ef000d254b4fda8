// int64 request fields become JS numbers at the handler edge (ADR 0001). Where a value is only
// compared with Samsa's own offsets, timestamps or producer ids (all below 2^53), Number() is
// enough: rounding keeps the order, so a huge value still compares as huge (past every log end,
// matching no producer). Where a value is stored or echoed (committed offsets, share-group start
// offsets, follower positions, marker producer ids) it must be exact: `isSafeInt64` says whether
// it can be, and the handler refuses it with an error code otherwise.
const MAX = BigInt(Number.MAX_SAFE_INTEGER)
const MIN = -MAX

export const isSafeInt64 = (x: bigint): boolean => x <= MAX && x >= MIN
