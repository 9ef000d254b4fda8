// `npx tsx tools/soak/heap-diff.ts A.heapsnapshot B.heapsnapshot [N]`: what grew between two heap
// snapshots (from `npm run soak -- --snapshot-at ...`), by constructor/type name: count and
// self size, the N largest growths first. Shallow sizes only: enough to see which kind of
// object accumulates; open the snapshots in DevTools for retainers.
import { readFileSync } from 'node:fs'

interface Snapshot {
  snapshot: { meta: { node_fields: string[], node_types: [string[], ...unknown[]] } }
  nodes: number[]
  strings: string[]
}

function summarize(path: string): Map<string, { count: number, size: number }> {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot
  const fields = snap.snapshot.meta.node_fields
  const types = snap.snapshot.meta.node_types[0]
  const step = fields.length
  const iType = fields.indexOf('type')
  const iName = fields.indexOf('name')
  const iSize = fields.indexOf('self_size')
  const out = new Map<string, { count: number, size: number }>()
  for (let i = 0; i < snap.nodes.length; i += step) {
    const type = types[snap.nodes[i + iType]]
    const name = type === 'object' || type === 'closure' || type === 'native' ? snap.strings[snap.nodes[i + iName]] : `(${type})`
    const key = `${name}`.slice(0, 80)
    const e = out.get(key) ?? { count: 0, size: 0 }
    e.count++
    e.size += snap.nodes[i + iSize]
    out.set(key, e)
  }
  return out
}

const [a, b, n] = process.argv.slice(2)
const before = summarize(a)
const after = summarize(b)
const rows = [...after].map(([k, v]) => {
  const o = before.get(k) ?? { count: 0, size: 0 }
  return { name: k, count: v.count - o.count, size: v.size - o.size, total: v.size }
}).sort((x, y) => y.size - x.size).slice(0, Number(n ?? 40))
for (const r of rows) console.log(`${String(r.size).padStart(12)} ${String(r.count).padStart(9)} ${String(r.total).padStart(12)}  ${r.name}`)
