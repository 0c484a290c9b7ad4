#!/usr/bin/env bash
# Regenerates the measured tables of docs/PERFORMANCE.md (see its "Method" section):
#
#   benchmarks/run-bench.sh            # build, bench one local node, JMH, update the doc
#   benchmarks/run-bench.sh --quick    # 0.5 s warm-up + 1 s per step, short JMH (a smoke run)
#   benchmarks/run-bench.sh --profile  # also record 20 s of JFR on the node, print its hot frames
#
# The raw results of the last run (bench JSON, JMH JSON, RSS samples, JFR) stay in
# benchmarks/target/bench-results/.
#
# It builds the distribution and benchmarks.jar (mvn package -DskipTests; MVN_FLAGS, default -o,
# are passed to Maven; MINKMS_REBUILD=0 skips the build), starts one node on 127.0.0.1:$BENCH_PORT
# (default 7390) with a fresh software HSM key and volume in benchmarks/target/ and server JVM
# flags $MINKMS_SERVER_JAVA_OPTS (default -Xss512k -XX:+UseSerialGC -Xmx256m -Xms128m -Xmn80m -XX:MinHeapFreeRatio=20 -XX:MaxHeapFreeRatio=40 -XX:+IgnoreUnrecognizedVMOptions -XX:TrimNativeHeapInterval=5000), warms it up with a
# discarded 3 x 10 s run (generate, decrypt, encrypt at concurrency 16), runs
#   minkms bench --json                                           (single frames, concurrency 1,4,16,64)
#   minkms bench --json --batch 100 --ops generate,decrypt --concurrency 1,4,16
# against it while sampling the node's RSS (ps -o rss) every 0.5 s, stops the node, runs the JMH
# benchmarks briefly, and writes the tables between the markers of docs/PERFORMANCE.md. Traffic
# goes to 127.0.0.1 only; every step is bounded in time; the node is stopped on exit.
# Environment: BENCH_PORT, BENCH_WARMUP, BENCH_DURATION, MINKMS_SERVER_JAVA_OPTS,
# BENCH_NODE_WARMUP, MINKMS_CLIENT_JAVA_OPTS, MVN_FLAGS, MINKMS_REBUILD.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
profile=0
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    --profile) profile=1 ;;
    *) echo "usage: benchmarks/run-bench.sh [--quick] [--profile]" >&2; exit 2 ;;
  esac
done

port=${BENCH_PORT:-7390}
server_opts=${MINKMS_SERVER_JAVA_OPTS:--Xss512k -XX:+UseSerialGC -Xmx256m -Xms128m -Xmn80m -XX:MinHeapFreeRatio=20 -XX:MaxHeapFreeRatio=40 -XX:+IgnoreUnrecognizedVMOptions -XX:TrimNativeHeapInterval=5000}
client_opts=${MINKMS_CLIENT_JAVA_OPTS:--Xss512k -XX:+UseSerialGC -Xmx256m -Xms128m -Xmn80m -XX:MinHeapFreeRatio=20 -XX:MaxHeapFreeRatio=40 -XX:+IgnoreUnrecognizedVMOptions -XX:TrimNativeHeapInterval=5000}
if [ "$quick" = 1 ]; then
  node_warmup=3s
  bench_times=(--warmup 500ms --duration 1s)
  jmh_args=(-f 1 -wi 1 -i 1 -w 500ms -r 1s)
else
  node_warmup=${BENCH_NODE_WARMUP:-10s}
  bench_times=(--warmup "${BENCH_WARMUP:-2s}" --duration "${BENCH_DURATION:-5s}")
  jmh_args=(-f 1 -wi 2 -i 3 -w 1s -r 1s)
fi

if [ "${MINKMS_REBUILD:-1}" = 1 ]; then
  # shellcheck disable=SC2086
  mvn -B -q ${MVN_FLAGS--o} -pl kms-admin-cli,benchmarks -am package -DskipTests
fi
bin=kms-admin-cli/target/minkms/bin/minkms
jar=benchmarks/target/benchmarks.jar
[ -x "$bin" ] && [ -f "$jar" ] || { echo "run-bench: build first (missing $bin or $jar)" >&2; exit 1; }

mkdir -p benchmarks/target
work=$(mktemp -d "$PWD/benchmarks/target/run-bench.XXXXXX")   # node volume and scratch files
results=benchmarks/target/bench-results   # raw outputs of the last run, kept
rm -rf "$results" && mkdir -p "$results"
node_pid=
sampler_pid=
cleanup() {
  [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null || true
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill "$node_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$node_pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$node_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# --- the node ---------------------------------------------------------------------------------
hsm_key=$(MINKMS_JAVA_OPTS="$client_opts" "$bin" --soft-hsm)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
MINIO_KMS_HSM_KEY=$hsm_key MINKMS_JAVA_OPTS="$server_opts" \
  "$bin" server "$work/node" --address "127.0.0.1:$port" --host "127.0.0.1:$port" \
  > "$work/node.log" 2>&1 &
node_pid=$!
api_key=
for _ in $(seq 1 180); do
  api_key=$(sed -n 's/^API Key  *\(k1:[^ ]*\).*/\1/p' "$work/node.log" | head -n 1)
  [ -n "$api_key" ] && break
  kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.log" >&2; echo "run-bench: node did not start" >&2; exit 1; }
  sleep 0.5
done
[ -n "$api_key" ] || { cat "$work/node.log" >&2; echo "run-bench: node did not start in 90 s" >&2; exit 1; }
echo "run-bench: node $node_pid on https://127.0.0.1:$port"

# RSS of the node every 0.5 s while the load runs (KiB)
( while kill -0 "$node_pid" 2>/dev/null; do ps -o rss= -p "$node_pid" >> "$work/rss" || true; sleep 0.5; done ) &
sampler_pid=$!

if [ "$profile" = 1 ]; then
  jcmd "$node_pid" JFR.start name=bench duration=20s filename="$work/node.jfr" settings=profile > /dev/null
fi

export MINIO_KMS_SERVER="https://127.0.0.1:$port" MINIO_KMS_API_KEY="$api_key"
export MINKMS_JAVA_OPTS="$client_opts"
# A fresh JVM runs interpreted at first: warm the node's JIT up with a discarded run, so that
# the first measured operation (generate) is not measured cold.
echo "run-bench: warming the node up (discarded run)"
"$bin" bench -k --ops generate,decrypt,encrypt --concurrency 16 --warmup 0 \
  --duration "$node_warmup" > /dev/null
echo "run-bench: single frames"
"$bin" bench -k --json "${bench_times[@]}" > "$work/single.json"
echo "run-bench: batches of 100 frames"
"$bin" bench -k --json "${bench_times[@]}" --batch 100 --ops generate,decrypt --concurrency 1,4,16 \
  > "$work/batch.json"
unset MINIO_KMS_API_KEY MINKMS_JAVA_OPTS

if [ "$profile" = 1 ]; then
  for _ in $(seq 1 60); do [ -s "$work/node.jfr" ] && break; sleep 1; done
  if [ -s "$work/node.jfr" ]; then
    cp "$work/node.jfr" "$results/node.jfr"
    jfr print --events jdk.ExecutionSample "$work/node.jfr" \
      | awk '/stackTrace = \[/ {getline; sub(/^[ \t]+/, ""); sub(/[ \t]+line:.*/, ""); print}' \
      | sort | uniq -c | sort -rn > "$results/top-frames.txt"
    echo "run-bench: hottest top frames of the node (jdk.ExecutionSample, JFR; all in $results/top-frames.txt):"
    sed -n 1,25p "$results/top-frames.txt"
  fi
fi

kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=
rss_peak=$(sort -n "$work/rss" | tail -n 1)
kill "$node_pid"
wait "$node_pid" 2>/dev/null || true
node_pid=

# --- JMH ----------------------------------------------------------------------------------------
echo "run-bench: JMH"
java -jar "$jar" "${jmh_args[@]}" -rf json -rff "$work/jmh.json" > "$work/jmh.log" 2>&1 \
  || { tail -n 40 "$work/jmh.log" >&2; echo "run-bench: JMH failed" >&2; exit 1; }
# JMH goes on after a benchmark that crashes (exit 0, a <failure> in its log): every benchmark
# that `-l` lists must have a result (by name: a benchmark with parameters gives one per value)
listed=$(java -jar "$jar" -l | tail -n +2 | grep . | sort -u)
measured=$(grep -o '"benchmark" *: *"[^"]*"' "$work/jmh.json" | sed 's/.*: *"//; s/"$//' | sort -u || true)
missing=$(comm -23 <(printf '%s\n' "$listed") <(printf '%s\n' "$measured"))
if grep -q '<failure>' "$work/jmh.log" || [ -n "$missing" ]; then
  grep -A 20 '<failure>' "$work/jmh.log" | head -n 60 >&2 || true
  echo "run-bench: a JMH benchmark crashed; without a result: ${missing:-none (see the failure above)}" >&2
  exit 1
fi

# --- the document -------------------------------------------------------------------------------
{
  echo "date (UTC)=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores"
  echo "memory=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
  echo "load average before the run (1, 5, 15 min)=$load_before"
  echo "load average after the run=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "java=$(java -version 2>&1 | head -n 1)"
  echo "server JVM flags=$server_opts"
  echo "client JVM flags=$client_opts"
  echo "run=node warm-up $node_warmup per operation, then $([ "$quick" = 1 ] && echo "--quick (0.5 s + 1 s per step)" || echo "${bench_times[*]} per step")"
  echo "node_rss_peak_kb=$rss_peak"
} > "$work/env"
cp "$work/env" "$work/single.json" "$work/batch.json" "$work/jmh.json" "$work/rss" "$results/"
java -cp "$jar" io.openkms.bench.PerformanceTables docs/PERFORMANCE.md "$work/env" \
  "$work/single.json" "$work/batch.json" "$work/jmh.json"
echo "run-bench: docs/PERFORMANCE.md updated (node RSS peak $((rss_peak / 1024)) MB)"
