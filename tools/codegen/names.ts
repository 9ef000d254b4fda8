// Naming rules shared by every emitter.

/** JSON field name -> property name: first letter lower-cased (TopicData -> topicData). */
export function propName(field: string): string {
  return field[0]!.toLowerCase() + field.slice(1)
}

/** PascalCase -> kebab-case file name (DescribeUserScramCredentials -> describe-user-scram-credentials). */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
}

/** Escapes text for a JSDoc comment. */
export function docText(s: string): string {
  return s.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ').trim()
}
