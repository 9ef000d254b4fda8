#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine (run as root):
# real Kafka clients from Debian (kcat, confluent_kafka, kafka-python; requests and avro for the
# schema registry tests), etcd for the cluster tests and `samsa dev cluster`, and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v kcat >/dev/null || need+=(kcat)
command -v etcd >/dev/null || need+=(etcd-server)
/usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null || need+=(python3-confluent-kafka)
/usr/bin/python3 -c 'import kafka' 2>/dev/null || need+=(python3-kafka)
# The schema registry tests: confluent_kafka's SchemaRegistryClient needs requests; Debian has no
# fastavro (its AvroSerializer's dependency), so the Avro bytes come from Apache's python3-avro.
/usr/bin/python3 -c 'import requests' 2>/dev/null || need+=(python3-requests)
/usr/bin/python3 -c 'import avro.io' 2>/dev/null || need+=(python3-avro)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}"
fi
npm ci --no-fund --no-audit
