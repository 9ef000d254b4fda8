// The streams assignor without a broker: tasks balanced and sticky, standbys never beside their
// active task, an unowned task given to the member with its warm standby, and the hosts map each
// member receives.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { GroupMember } from '../../src/client/index.ts'
import { assignTasks, parseAssignmentInfo } from '../../src/streams/runtime/assignor.ts'
import type { MemberTasks } from '../../src/streams/runtime/assignor.ts'

const subs = [{ id: 0, topics: ['in'] }]
const member = (memberId: string, t: MemberTasks): GroupMember => ({ memberId, groupInstanceId: null, topics: ['in'], userData: Buffer.from(JSON.stringify(t)) })
const none: MemberTasks = { owned: [], stateful: [] }

test('standbys go to other members than the active, spread evenly, and each member learns every host', () => {
  const members = [member('a', { ...none, host: 'h-a:1' }), member('b', { ...none, host: 'h-b:2' }), member('c', { ...none, host: null })]
  const r = assignTasks(subs, members, new Map([['in', 6]]), 1)
  const infos = new Map([...r.userData].map(([m, b]) => [m, parseAssignmentInfo(b)]))
  for (const [m, info] of infos) {
    assert.equal(info.active.length, 2, `${m} runs two tasks`)
    assert.equal(info.standby.length, 2, `${m} keeps two standbys`)
    for (const t of info.standby) assert.ok(!info.active.includes(t), `${m} has no standby of its own task ${t}`)
    assert.deepEqual(r.partitions.get(m)!.get('in')!.map((p) => `0_${p}`).sort(), [...info.active].sort())
  }
  const every = [...infos.values()]
  assert.deepEqual(every.flatMap((i) => i.standby).sort(), ['0_0', '0_1', '0_2', '0_3', '0_4', '0_5'])
  // Only members with an application.server are named; every member gets the same map.
  assert.deepEqual(Object.keys(every[0]!.hosts).sort(), ['h-a:1', 'h-b:2'])
  assert.deepEqual(every[0]!.hosts['h-a:1']!.active, infos.get('a')!.active)
  for (const i of every) assert.deepEqual(i.hosts, every[0]!.hosts)
})

test('an unowned task goes to the member with its warm standby; owners keep their tasks and standbys stay put', () => {
  // a had 0_0 and 0_1, b kept standbys of both; c is new. a is gone now.
  const members = [member('b', { owned: ['0_2', '0_3'], stateful: [], standby: ['0_0', '0_1'] }), member('c', { owned: [], stateful: [], standby: [] })]
  const r = assignTasks(subs, members, new Map([['in', 4]]), 1)
  const b = parseAssignmentInfo(r.userData.get('b')!)
  const c = parseAssignmentInfo(r.userData.get('c')!)
  // b keeps 0_2, 0_3 (sticky, full at 2); its warm standbys cannot fit, so c gets 0_0, 0_1 and b keeps standbys of them.
  assert.deepEqual(b.active.sort(), ['0_2', '0_3'])
  assert.deepEqual(c.active.sort(), ['0_0', '0_1'])
  assert.deepEqual(b.standby.sort(), ['0_0', '0_1'])
  assert.deepEqual(c.standby.sort(), ['0_2', '0_3'])
  // With room, the warm standby wins over the least-loaded member.
  const r2 = assignTasks(subs, [member('b', { owned: [], stateful: [], standby: ['0_1'] }), member('c', { owned: [], stateful: ['0_0'] })], new Map([['in', 2]]), 0)
  assert.deepEqual(parseAssignmentInfo(r2.userData.get('b')!).active, ['0_1'])
  assert.deepEqual(parseAssignmentInfo(r2.userData.get('c')!).active, ['0_0'])
})

test('no standbys with one member, and none beyond the number of other members', () => {
  const one = assignTasks(subs, [member('a', none)], new Map([['in', 3]]), 2)
  assert.deepEqual(parseAssignmentInfo(one.userData.get('a')!).standby, [])
  const two = assignTasks(subs, [member('a', none), member('b', none)], new Map([['in', 2]]), 3)
  const a = parseAssignmentInfo(two.userData.get('a')!)
  const b = parseAssignmentInfo(two.userData.get('b')!)
  assert.deepEqual([...a.standby, ...b.standby].sort(), ['0_0', '0_1'])
})
