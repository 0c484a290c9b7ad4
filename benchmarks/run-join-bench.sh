#!/usr/bin/env bash
# Join time and peak RSS of a fresh node added to a node that holds a large state
# (docs/PERFORMANCE.md, "Joining a node that holds a large state"; issue 12):
#
#   benchmarks/run-join-bench.sh                 # 10,000 and 100,000 keys
#   JOIN_BENCH_KEYS="10000" benchmarks/run-join-bench.sh
#
# For each key count N it starts node 0 on 127.0.0.1:$BENCH_JOIN_PORT (default 7490; the next
# port carries the internode traffic) with a fresh software HSM key, fills it with
# io.openkms.bench.JoinFill (N keys in N/1000 enclaves, at least 10; N/100 policies of 32 KiB;
# 16 client threads), starts node 1 fresh on 127.0.0.2 with the same HSM key, then times
# `minkms add 127.0.0.2:PORT` while sampling node 1's RSS (ps -o rss) every 0.2 s, checks that
# both nodes report the same commit index (minkms stat --json), and prints one
# table row. Both nodes run with the launcher's JVM flags ($MINKMS_SERVER_JAVA_OPTS, default
# the launcher's -Xmx256m set). Every step is bounded in time; the nodes are stopped on exit.
# Build first: mvn -B -q -o -pl kms-admin-cli,benchmarks -am package -DskipTests
# Environment: JOIN_BENCH_KEYS, BENCH_JOIN_PORT, JOIN_BENCH_POLICIES (default N/100),
# MINKMS_SERVER_JAVA_OPTS, JOIN_BENCH_STATE_SIZE (limits: state_size of both nodes, e.g. 256MiB;
# 100,000 keys with 1,000 policies need it, and a heap of 4 times it).
set -euo pipefail
cd "$(dirname "$0")/.."

port=${BENCH_JOIN_PORT:-7490}
bin=kms-admin-cli/target/minkms/bin/minkms
jar=benchmarks/target/benchmarks.jar
[ -x "$bin" ] && [ -f "$jar" ] || { echo "run-join-bench: build first (missing $bin or $jar)" >&2; exit 1; }
server_opts=${MINKMS_SERVER_JAVA_OPTS:-}
mkdir -p benchmarks/target
work=$(mktemp -d "$PWD/benchmarks/target/join-bench.XXXXXX")
pids=()
sampler=
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

config=()
if [ -n "${JOIN_BENCH_STATE_SIZE:-}" ]; then # a state beyond the default limits: state_size
  printf 'version: v1\nlimits:\n  state_size: %s\n' "$JOIN_BENCH_STATE_SIZE" > "$work/config.yaml"
  config=(--config "$work/config.yaml")
fi

start_node() { # ip dir log
  if [ -n "$server_opts" ]; then export MINKMS_JAVA_OPTS="$server_opts"; fi
  MINIO_KMS_HSM_KEY=$hsm_key "$bin" server "$2" --address "$1:$port" --host "$1:$port" \
    "${config[@]}" > "$3" 2>&1 &
  pids+=($!)
  unset MINKMS_JAVA_OPTS
  for _ in $(seq 1 240); do
    grep -q '^API Key' "$3" && return 0
    sleep 0.5
  done
  cat "$3" >&2
  echo "run-join-bench: node $1 did not start in 120 s" >&2
  exit 1
}

echo "| keys | enclaves | policies (32 KiB) | state bytes | fill s | join (add) s | peak RSS joining node MB | commit equal on both |"
echo "|---:|---:|---:|---:|---:|---:|---:|---|"
for keys in ${JOIN_BENCH_KEYS:-10000 100000}; do
  enclaves=$(( keys / 1000 > 10 ? keys / 1000 : 10 ))
  policies=${JOIN_BENCH_POLICIES:-$(( keys / 100 ))}
  hsm_key=$("$bin" --soft-hsm)
  rm -rf "$work/n0" "$work/n1"
  start_node 127.0.0.1 "$work/n0" "$work/n0.log"
  api_key=$(sed -n 's/^API Key  *\(k1:[^ ]*\).*/\1/p' "$work/n0.log" | head -n 1)
  fill_start=$(date +%s.%N)
  timeout 7200 java -Xmx512m -cp "$jar:kms-admin-cli/target/minkms/lib/*" io.openkms.bench.JoinFill "https://127.0.0.1:$port" \
    "$api_key" "$keys" "$enclaves" "$policies" 32768 16 > "$work/fill.log" 2>&1 \
    || { cat "$work/fill.log" >&2; exit 1; }
  fill_end=$(date +%s.%N)
  start_node 127.0.0.2 "$work/n1" "$work/n1.log"
  n1_pid=${pids[-1]}
  : > "$work/rss"
  ( while kill -0 "$n1_pid" 2>/dev/null; do ps -o rss= -p "$n1_pid" >> "$work/rss" || true; sleep 0.2; done ) &
  sampler=$!
  add_start=$(date +%s.%N)
  MINIO_KMS_SERVER="https://127.0.0.1:$port" MINIO_KMS_API_KEY=$api_key \
    timeout 600 "$bin" add -k "127.0.0.2:$port" > "$work/add.log" 2>&1 \
    || { cat "$work/add.log" >&2; tail -n 30 "$work/n0.log" "$work/n1.log" >&2; exit 1; }
  add_end=$(date +%s.%N)
  sleep 2
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  sampler=
  state_bytes=$(sed -n 's/.*offering the state at index [0-9]* to node [0-9]*: \([0-9]*\) bytes.*/\1/p' "$work/n0.log" | tail -n 1)
  MINIO_KMS_SERVER="https://127.0.0.1:$port" MINIO_KMS_API_KEY=$api_key \
    "$bin" stat -k --json > "$work/stat.json" 2>&1 || true
  equal=$(python3 - "$work/stat.json" <<'PY'
import json, sys
commits = []
def walk(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k.lower() in ("commit", "commitindex", "commit_index"):
                commits.append(str(x))
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
for line in open(sys.argv[1]):
    if line.strip().startswith("{"):
        walk(json.loads(line))
print("yes" if len(commits) >= 2 and len(set(commits)) == 1 else "no: " + ",".join(commits))
PY
)
  peak_kb=$(sort -n "$work/rss" | tail -n 1)
  python3 - "$keys" "$enclaves" "$policies" "${state_bytes:-?}" "$fill_start" "$fill_end" \
    "$add_start" "$add_end" "$peak_kb" "$equal" <<'PY'
import sys
k, e, p, b, fs, fe, a0, a1, rss, eq = sys.argv[1:]
print(f"| {int(k):,} | {e} | {p} | {b} | {float(fe)-float(fs):.0f} | {float(a1)-float(a0):.1f} | "
      f"{int(rss)/1024:.0f} | {eq} |")
PY
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 60); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
  done
  pids=()
done
