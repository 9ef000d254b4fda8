// Confluent's compatibility levels over one primitive, "reader can read writer's data":
//   BACKWARD: the new schema reads data written with the latest one (consumers upgrade first);
//   FORWARD: the latest schema reads data written with the new one (producers upgrade first);
//   FULL: both. The _TRANSITIVE forms check every live version, not just the latest; NONE nothing.
import type { ParsedSchema } from './formats.ts'

export const LEVELS = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] as const
export type CompatibilityLevel = (typeof LEVELS)[number]
export const DEFAULT_LEVEL: CompatibilityLevel = 'BACKWARD'

export const isLevel = (s: unknown): s is CompatibilityLevel => typeof s === 'string' && (LEVELS as readonly string[]).includes(s)

/**
 * Messages explaining why `candidate` may not follow `previous` (oldest first) under `level`;
 * empty when it may.
 */
export function checkCompatibility(level: CompatibilityLevel, candidate: ParsedSchema, previous: readonly ParsedSchema[]): string[] {
  if (level === 'NONE' || previous.length === 0) return []
  const against = level.endsWith('_TRANSITIVE') ? [...previous].reverse() : [previous[previous.length - 1]!]
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL')
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL')
  const messages: string[] = []
  for (const old of against) {
    if (backward) for (const m of candidate.canRead(old)) messages.push(`the new schema cannot read data written with an earlier one: ${m}`)
    if (forward) for (const m of old.canRead(candidate)) messages.push(`an earlier schema cannot read data written with the new one: ${m}`)
  }
  return messages
}
