// Lint: typescript-eslint recommended rules plus the one-way layer rule
// protocol -> storage -> broker -> (client, cli, registry, streams, console), the boundaries
// inside the broker (net/ knows no handlers or services; handlers get services from the
// composition root, never from module-level lookups), the client standing on protocol alone, the
// registry and streams on the client, and no floating promises in src/.
import tseslint from 'typescript-eslint'

const layer = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: forbidden.map((group) => ({ group: [group], message })) }],
  },
})

const upper = ['client', 'cli', 'registry', 'streams', 'console']

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tmp/**', 'src/protocol/generated/**', 'test/golden/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // protocol: bytes only — no filesystem, no network, no upper layers.
  layer(
    ['src/protocol/**/*.ts'],
    ['**/storage/**', '**/broker/**', ...upper.map((u) => `**/${u}/**`), 'node:fs', 'node:fs/*', 'node:net', 'node:tls', 'node:http', 'fs', 'net'],
    'src/protocol is bytes only: it may not import storage, broker, upper layers, fs or net.',
  ),
  // storage: files only — no network, no broker, no upper layers.
  layer(
    ['src/storage/**/*.ts'],
    ['**/broker/**', ...upper.map((u) => `**/${u}/**`), 'node:net', 'node:tls', 'node:http', 'net'],
    'src/storage has no network and may not import broker or upper layers.',
  ),
  // broker may use protocol and storage, never the layers built on top of it.
  layer(['src/broker/**/*.ts'], upper.map((u) => `**/${u}/**`), 'src/broker may not import client/cli/registry/streams/console.'),
  // client: protocol only — it must work against any Kafka, so never the broker or storage.
  layer(
    ['src/client/**/*.ts'],
    ['**/storage/**', '**/broker/**', '**/cli/**', '**/registry/**', '**/streams/**', '**/console/**'],
    'src/client may import only src/protocol: it must work against any Kafka, not just Samsa.',
  ),
  // registry: stands on the client (and protocol) — it must run against any Kafka, never inside the broker.
  layer(
    ['src/registry/**/*.ts'],
    ['**/storage/**', '**/broker/**', '**/cli/**', '**/streams/**', '**/console/**'],
    'src/registry may import only src/client and src/protocol: it keeps its state in a topic through the client.',
  ),
  // streams: stands on the client (and protocol) — tasks, stores and changelogs over any Kafka.
  layer(
    ['src/streams/**/*.ts'],
    ['**/storage/**', '**/broker/**', '**/cli/**', '**/registry/**', '**/console/**'],
    'src/streams may import only src/client and src/protocol: it runs against any Kafka through the client.',
  ),
  // net/: sockets, frames, buffers. It knows nothing of handlers, coordinators or broker services.
  layer(
    ['src/broker/net/**/*.ts'],
    ['**/api/**', '**/coordinator/**', '**/cluster/**', '**/replica/**', '**/context.ts', '**/broker.ts', ...upper.map((u) => `**/${u}/**`)],
    'src/broker/net may not import handlers (api/), coordinators, cluster, replica or the broker context.',
  ),
  // api/: handlers reach services only through the context the composition root (broker.ts) built.
  layer(
    ['src/broker/api/**/*.ts'],
    ['**/broker.ts', '**/storage.ts', '**/log-manager.ts', '**/cluster/store/**', '**/cluster/controller.ts', '**/cluster/metadata-loader.ts', ...upper.map((u) => `**/${u}/**`)],
    'src/broker/api handlers get services from ctx.broker (built in broker.ts), not by importing or constructing them.',
  ),
  // Every promise in src/ is awaited, returned, or explicitly voided (with its errors handled).
  {
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: { '@typescript-eslint/no-floating-promises': 'error' },
  },
)
