// The part of fs-native-extensions (ships no types) that the data-directory lock uses.
declare module 'fs-native-extensions' {
  const fsx: {
    /** Takes an advisory lock on the whole file without waiting; false when another holder has it. */
    tryLock(fd: number, opts?: { shared?: boolean }): boolean
    unlock(fd: number): void
  }
  export default fsx
}
