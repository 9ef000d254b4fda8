// Topic name rules, as Kafka applies them (org.apache.kafka.common.internals.Topic): 1-249
// characters from [a-zA-Z0-9._-], not "." or "..". '.' and '_' are interchangeable in metric
// names, so two topics that differ only there collide; creating one next to the other is refused.

/** Kafka's limit: 255 minus room for a partition suffix and the ".deleted" rename of the log dir. */
export const MAX_TOPIC_NAME_LENGTH = 249

const LEGAL = /^[a-zA-Z0-9._-]+$/

export const CONSUMER_OFFSETS_TOPIC = '__consumer_offsets'
export const TRANSACTION_STATE_TOPIC = '__transaction_state'
export const SHARE_GROUP_STATE_TOPIC = '__share_group_state'

const INTERNAL = new Set([CONSUMER_OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC, SHARE_GROUP_STATE_TOPIC])

export function isInternalTopic(name: string): boolean {
  return INTERNAL.has(name)
}

/** Why `name` is not a legal topic name, or null when it is. */
export function topicNameProblem(name: string | null | undefined): string | null {
  if (name === null || name === undefined || name.length === 0) return 'Topic name is illegal, it can\'t be empty'
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."'
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`
  }
  if (!LEGAL.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`
  }
  return null
}

/** True for names whose '.' / '_' could collide with another topic's. */
export function hasCollisionChars(name: string): boolean {
  return name.includes('.') || name.includes('_')
}

/** The form two colliding names share ('.' -> '_'). */
export function unifyCollisionChars(name: string): string {
  return name.replaceAll('.', '_')
}
