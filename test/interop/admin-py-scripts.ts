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
