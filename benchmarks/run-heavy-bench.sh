#!/usr/bin/env bash
# GenerateKey latency while N heavy decrypts run (docs/PERFORMANCE.md, "GenerateKey latency while
# heavy decrypts run"; issue 13, "CPU amplification"):
#
#   benchmarks/run-heavy-bench.sh                    # 1000 versions, 100-frame batches, 2 heavy clients, 20 s
#   HEAVY_BENCH_CLIENTS=4 benchmarks/run-heavy-bench.sh
#   MINKMS_DIST=/tmp/minkms-before benchmarks/run-heavy-bench.sh   # another build, same harness
#   HEAVY_BENCH_CONNECTION=shared benchmarks/run-heavy-bench.sh   # every client on one HTTP/2 connection
#   HEAVY_BENCH_NODE_CPUS=1 benchmarks/run-heavy-bench.sh   # the node on one core (taskset -c 1)
#
# Starts one node from $MINKMS_DIST (default kms-admin-cli/target/minkms) on
# 127.0.0.1:$BENCH_HEAVY_PORT (default 7590) with a fresh software HSM key and volume and the
# launcher's JVM flags ($MINKMS_SERVER_JAVA_OPTS when set), runs io.openkms.bench.AmplificationBench
# against it (a key of $HEAVY_BENCH_VERSIONS versions, Decrypt batches of $HEAVY_BENCH_FRAMES
# frames of version 0 and the oldest version's ciphertext; GenerateKey p50/p99 for
# $HEAVY_BENCH_SECONDS s with 0 and then $HEAVY_BENCH_CLIENTS heavy clients, each on its own
# connection or, with HEAVY_BENCH_CONNECTION=shared, all on one), prints its table
# rows with the load average, and stops the node. Every step is bounded in time.
# Build first: mvn -B -q -o -pl kms-admin-cli,benchmarks -am package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."

port=${BENCH_HEAVY_PORT:-7590}
dist=${MINKMS_DIST:-kms-admin-cli/target/minkms}
bin=$dist/bin/minkms
jar=benchmarks/target/benchmarks.jar
[ -x "$bin" ] && [ -f "$jar" ] || { echo "run-heavy-bench: build first (missing $bin or $jar)" >&2; exit 1; }
mkdir -p benchmarks/target
work=$(mktemp -d "$PWD/benchmarks/target/heavy-bench.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

hsm_key=$("$bin" --soft-hsm)
if [ -n "${MINKMS_SERVER_JAVA_OPTS:-}" ]; then export MINKMS_JAVA_OPTS="$MINKMS_SERVER_JAVA_OPTS"; fi
pin=()
if [ -n "${HEAVY_BENCH_NODE_CPUS:-}" ]; then pin=(taskset -c "$HEAVY_BENCH_NODE_CPUS"); fi
MINIO_KMS_HSM_KEY=$hsm_key "${pin[@]}" "$bin" server "$work/n0" --address "127.0.0.1:$port" \
  --host "127.0.0.1:$port" > "$work/n0.log" 2>&1 &
pid=$!
unset MINKMS_JAVA_OPTS
for _ in $(seq 1 240); do
  grep -q '^API Key' "$work/n0.log" && break
  sleep 0.5
done
grep -q '^API Key' "$work/n0.log" || { cat "$work/n0.log" >&2; echo "run-heavy-bench: node did not start" >&2; exit 1; }
api_key=$(sed -n 's/^API Key  *\(k1:[^ ]*\).*/\1/p' "$work/n0.log" | head -n 1)
echo "node: $dist ($(git rev-parse --short HEAD 2>/dev/null || echo '?') harness), uptime: $(uptime)"
timeout 1200 java -Xss512k -XX:+UseSerialGC -Xmx256m -cp "$jar:$dist/lib/*" io.openkms.bench.AmplificationBench \
  "127.0.0.1:$port" "$api_key" "${HEAVY_BENCH_VERSIONS:-1000}" "${HEAVY_BENCH_FRAMES:-100}" \
  "${HEAVY_BENCH_SECONDS:-20}" "${HEAVY_BENCH_CLIENTS:-2}" "${HEAVY_BENCH_CONNECTION:-own}"
echo "uptime after: $(uptime)"
