/** Calls `fn` until `ok` accepts its result, every 50 ms, at most `tries` more times; returns the last result. */
export async function retry<T>(fn: () => Promise<T>, ok: (v: T) => boolean, tries = 100): Promise<T> {
  let v = await fn()
  for (let i = 0; i < tries && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 50))
    v = await fn()
  }
  return v
}
