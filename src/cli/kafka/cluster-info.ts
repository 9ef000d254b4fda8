// `samsa cluster info`: the cluster id, the controller and the brokers (with racks and the
// listener each advertises), from Metadata.
import type { Context } from './common.ts'
import { printJson, printTable } from './common.ts'
import { withAdmin } from './topic.ts'

export function info(ctx: Context): Promise<void> {
  return withAdmin(ctx, async (admin) => {
    const c = await admin.describeCluster()
    const brokers = c.brokers.sort((a, b) => a.nodeId - b.nodeId)
      .map((b) => ({ id: b.nodeId, host: b.host, port: b.port, rack: b.rack, listener: `${b.host}:${b.port}`, controller: b.nodeId === c.controllerId }))
    if (ctx.json) {
      printJson({ clusterId: c.clusterId, controllerId: c.controllerId, brokers })
      return
    }
    process.stdout.write(`cluster id  ${c.clusterId ?? '-'}\ncontroller  ${c.controllerId}\n\n`)
    printTable(['BROKER', 'LISTENER', 'RACK', 'CONTROLLER'], brokers.map((b) => [b.id, b.listener, b.rack, b.controller ? 'yes' : '']))
  })
}
