#!/usr/bin/env bash
# The write path on a three-node cluster (docs/PERFORMANCE.md, "The write path on a three-node
# cluster"): starts ops/cluster/local-cluster.sh on 127.0.0.1/.2/.3 (port $BENCH_CLUSTER_PORT,
# default 7480, and the next one for the internode traffic) with the launcher's JVM flags, warms
# the nodes and the client up with a discarded create run, then prints the table of
#   minkms bench -k --ops create --concurrency 1,16 --warmup 3s --duration 10s
# against node 1, and stops the cluster (also on failure). Run it on an otherwise idle machine
# after building (mvn -o -q -pl kms-admin-cli -am package -DskipTests). The raw JSON stays in
# benchmarks/target/bench-results/cluster-create.json.
# Environment: BENCH_CLUSTER_PORT, BENCH_CLUSTER_WARMUP (default 15s).
set -euo pipefail
cd "$(dirname "$0")/.."

port=${BENCH_CLUSTER_PORT:-7480}
bin=kms-admin-cli/target/minkms/bin/minkms
[ -x "$bin" ] || { echo "run-cluster-bench: build first (missing $bin)" >&2; exit 1; }
mkdir -p benchmarks/target/bench-results
dir=$(mktemp -d "$PWD/benchmarks/target/cluster-bench.XXXXXX")
cleanup() {
  MINKMS_CLUSTER_PORT=$port ops/cluster/local-cluster.sh stop "$dir" > /dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
MINKMS_CLUSTER_PORT=$port ops/cluster/local-cluster.sh start "$dir" > "$dir.start.log" 2>&1 \
  || { cat "$dir.start.log" >&2; rm -f "$dir.start.log"; exit 1; }
rm -f "$dir.start.log"
# shellcheck disable=SC1091
source "$dir/client.env"
export MINIO_KMS_SERVER="https://127.0.0.1:$port"
echo "run-cluster-bench: warming up (discarded ${BENCH_CLUSTER_WARMUP:-15s} of create at concurrency 16)"
"$bin" bench -k --ops create --concurrency 16 --warmup 2s \
  --duration "${BENCH_CLUSTER_WARMUP:-15s}" > /dev/null
"$bin" bench -k --json --ops create --concurrency 1,16 --warmup 3s --duration 10s \
  > benchmarks/target/bench-results/cluster-create.json
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$load_before" "$load_after" <<'PY'
import json, sys
doc = json.load(open("benchmarks/target/bench-results/cluster-create.json"))
print(f"load average before: {sys.argv[1]}; after: {sys.argv[2]}")
print("| operation | concurrency | requests/s | p50 ms | p95 ms | p99 ms | errors |")
print("|---|---:|---:|---:|---:|---:|---:|")
for r in doc["results"]:
    print(f"| create (3 nodes) | {r['concurrency']} | {r['requests_per_second']:,.0f} | "
          f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} |")
PY
