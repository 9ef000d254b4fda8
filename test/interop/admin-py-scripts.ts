// Python (confluent_kafka 1.7.0 / librdkafka 2.0.2) admin scripts for the admin interop tests.
// Each prints one JSON line the test asserts on; per-item outcomes are 'OK' or the KafkaError name.

/** argv: bootstrap -> create/describe/alter/partitions/delete outcomes. */
export const CK_ADMIN = `
import sys, json
from confluent_kafka.admin import AdminClient, NewTopic, NewPartitions, ConfigResource
from confluent_kafka import KafkaException
b = sys.argv[1]
a = AdminClient({'bootstrap.servers': b})
out = {}
def outcome(fs):
    r = {}
    for k, f in fs.items():
        try:
            f.result(20)
            r[str(k)] = 'OK'
        except KafkaException as e:
            r[str(k)] = e.args[0].name()
    return r
out['create'] = outcome(a.create_topics([
    NewTopic('ck-a', 3, 1, config={'retention.ms': '3600000', 'cleanup.policy': 'compact'}),
    NewTopic('ck-b', 1, 1),
    NewTopic('bad name', 1, 1),
    NewTopic('ck-rf3', 1, 3),
    NewTopic('ck-cfg', 1, 1, config={'no.such.config': '1'}),
    NewTopic('ck-parts', 20000, 1),
], request_timeout=15))
out['again'] = outcome(a.create_topics([NewTopic('ck-a', 3, 1)], request_timeout=15))
out['validate'] = outcome(a.create_topics([NewTopic('ck-vo', 2, 1)], validate_only=True, request_timeout=15))
md = a.list_topics(timeout=10)
out['topics'] = sorted(md.topics)
out['partitions_a'] = len(md.topics['ck-a'].partitions)
out['leaders_a'] = sorted(set(p.leader for p in md.topics['ck-a'].partitions.values()))
out['brokers'] = sorted(md.brokers)
out['controller'] = md.controller_id
out['grow'] = outcome(a.create_partitions([NewPartitions('ck-b', 4), NewPartitions('ck-a', 2), NewPartitions('ck-none', 2)], request_timeout=15))
out['partitions_b'] = len(a.list_topics('ck-b', timeout=10).topics['ck-b'].partitions)
res_t = ConfigResource(ConfigResource.Type.TOPIC, 'ck-a')
res_b = ConfigResource(ConfigResource.Type.BROKER, '1')
d = a.describe_configs([res_t, res_b], request_timeout=15)
tc = d[res_t].result(20)
bc = d[res_b].result(20)
out['topic_cfg'] = {k: [tc[k].value, str(tc[k].source), tc[k].is_default] for k in ('retention.ms', 'cleanup.policy', 'segment.bytes')}
out['broker_cfg'] = {k: [bc[k].value, bc[k].is_read_only] for k in ('num.partitions', 'message.max.bytes')}
out['alter'] = outcome(a.alter_configs([ConfigResource(ConfigResource.Type.TOPIC, 'ck-a', set_config={'retention.ms': '1000'})], request_timeout=15))
out['alter_bad'] = outcome(a.alter_configs([ConfigResource(ConfigResource.Type.TOPIC, 'ck-a', set_config={'retention.ms': 'soon'})], request_timeout=15))
d2 = a.describe_configs([res_t], request_timeout=15)[res_t].result(20)
out['after_alter'] = [d2['retention.ms'].value, d2['cleanup.policy'].value]
out['delete'] = outcome(a.delete_topics(['ck-b', 'ck-none'], operation_timeout=10, request_timeout=15))
out['after_delete'] = sorted(a.list_topics(timeout=10).topics)
print(json.dumps(out))
`

/** argv: bootstrap -> kafka-python KafkaAdminClient outcomes (it negotiates each API's version). */
export const KP_ADMIN = `
import sys, json
from kafka.admin import KafkaAdminClient, NewTopic, NewPartitions, ConfigResource, ConfigResourceType
from kafka.errors import KafkaError
b = sys.argv[1]
a = KafkaAdminClient(bootstrap_servers=b, client_id='samsa-kp-admin', request_timeout_ms=15000)
out = {}
r = a.create_topics([NewTopic('kp-a', 2, 1, topic_configs={'retention.ms': '90000'})])
out['create'] = [[n, e] for (n, e, *rest) in r.topic_errors]
try:
    a.create_topics([NewTopic('kp a', 1, 1)])
    out['bad'] = 'created'
except KafkaError as e:
    out['bad'] = type(e).__name__
out['topics'] = sorted(a.list_topics())
cfg = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'kp-a', configs={'retention.ms': None})])
res = cfg[0].resources[0]
out['describe'] = [res[0], [[c[0], c[1]] for c in res[4]]]
a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, 'kp-a', configs={'retention.ms': '1000'})])
res = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'kp-a', configs={'retention.ms': None})])[0].resources[0]
out['altered'] = [[c[0], c[1]] for c in res[4]]
r = a.create_partitions({'kp-a': NewPartitions(3)})
out['grow'] = [[t[0], t[1]] for t in r.topic_errors]
c = a.describe_cluster()
out['cluster'] = [c['controller_id'], [x['node_id'] for x in c['brokers']]]
r = a.delete_topics(['kp-a'])
out['delete'] = [[n, e] for (n, e, *rest) in r.topic_error_codes]
out['after'] = 'kp-a' in a.list_topics()
a.close()
print(json.dumps(out))
`
