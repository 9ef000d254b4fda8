// Errors that are the user's to fix (a port in use, a locked or misplaced data directory, a bad
// setting, a node.id a live broker holds, etcd not answering at start): `samsa start` prints
// their message as one line, without a stack trace.
import { ConfigError } from '../broker/config/index.ts'
import { DataDirError } from '../broker/data-dir.ts'
import { DataDirLockedError } from '../broker/data-dir-lock.ts'
import { ListenError } from '../broker/net/server.ts'
import { DuplicateBrokerError } from '../broker/cluster/membership.ts'

export function isUserError(err: unknown): boolean {
  return err instanceof ConfigError || err instanceof DataDirError || err instanceof DataDirLockedError || err instanceof ListenError ||
    err instanceof DuplicateBrokerError ||
    // By name: the etcd store (and etcd3) is loaded only in cluster mode.
    (err as Error | undefined)?.name === 'MetadataUnavailableError'
}
