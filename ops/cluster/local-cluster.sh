#!/usr/bin/env bash
# local-cluster.sh: a three-node minkms cluster on this machine, for trying the product.
#
# Usage: local-cluster.sh start|stop|status [DIR]      (DIR defaults to ./local-cluster)
#
# start   Starts node0..node2 (named as `minkms stat` names them: Node 0..2) on 127.0.0.1,
#         127.0.0.2 and 127.0.0.3, each on port 7373 (and 7374 for cluster traffic):
#           minkms server DIR/nodeN --address 127.0.0.<N+1>:7373 --host 127.0.0.<N+1>:7373 \
#                                   --config DIR/nodeN/config.yaml
#         with one software HSM key for all (DIR/hsm.key, made by `minkms --soft-hsm` on the
#         first start and reused), certificates from ops/certs/minkms-certs.sh (DIR/certs; the
#         test CA is DIR/certs/ca/ca.crt), logs in DIR/nodeN/minkms.log, PIDs in DIR/nodeN/pid.
#         Waits until every node answers GET /v1/health/live (curl presents
#         DIR/certs/client/client.crt, an Ed25519 self-signed one, though the health endpoints
#         and /version need no client certificate), then, on the first start only, joins node1 and node2 to node0
#         with `minkms add` and the root API key. Prints the key and the client settings, also
#         written to DIR/client.env. Once the cluster is formed, `start` starts only the nodes
#         that are not running (e.g. one that crashed or was killed) and leaves the others alone.
# stop    SIGTERM to every node, waits up to 30 s (MINKMS_STOP_TIMEOUT_SECONDS), then SIGKILL.
# status  One line per node; exit 0 when every node is running and live, 3 otherwise.
#
# Environment: MINKMS the minkms launcher to use (default: the repository's build
# kms-admin-cli/target/minkms/bin/minkms, else `minkms` on PATH); MINKMS_CLUSTER_PORT (7373);
# MINKMS_START_TIMEOUT_SECONDS (90); MINKMS_STOP_TIMEOUT_SECONDS (30).
# Needs Linux (127.0.0.2 and 127.0.0.3 are on the loopback interface), bash, openssl and curl.
# Exit codes: 0 done; 1 failure (message on stderr); 2 usage; 3 status: not all nodes live.
set -euo pipefail

readonly PROG=${0##*/}
readonly SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
readonly REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)
readonly CERTS_SCRIPT=$SCRIPT_DIR/../certs/minkms-certs.sh
readonly NODES=(0 1 2)
readonly PORT=${MINKMS_CLUSTER_PORT:-7373}
readonly START_TIMEOUT=${MINKMS_START_TIMEOUT_SECONDS:-90}
readonly STOP_TIMEOUT=${MINKMS_STOP_TIMEOUT_SECONDS:-30}
readonly HSM_KEY_PATTERN='^hsm:aes256:[A-Za-z0-9+/]{43}=$'
readonly API_KEY_PATTERN='k1:[A-Za-z0-9_-]{43}'

die() {
    echo "$PROG: $*" >&2
    exit 1
}

usage() {
    echo "usage: $PROG start|stop|status [DIR]   (DIR defaults to ./local-cluster)" >&2
    exit 2
}

is_number() {
    [[ $1 =~ ^[0-9]+$ ]]
}

# Milliseconds since the epoch (bash 5's EPOCHREALTIME; its decimal separator follows the locale).
now_millis() {
    local t=${EPOCHREALTIME//[.,]/}
    echo $((10#$t / 1000))
}

# Whether process PID exists and is not a zombie (an exited child that no one reaped yet).
is_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

ip_of() { echo "127.0.0.$(($1 + 1))"; }
endpoint_of() { echo "$(ip_of "$1"):$PORT"; }
node_dir() { echo "$DIR/node$1"; }

# The minkms launcher: $MINKMS, else the repository's build, else PATH.
find_minkms() {
    if [[ -n ${MINKMS:-} ]]; then
        [[ -x $MINKMS ]] || die "MINKMS=$MINKMS is not an executable file"
        echo "$MINKMS"
    elif [[ -x $REPO_ROOT/kms-admin-cli/target/minkms/bin/minkms ]]; then
        echo "$REPO_ROOT/kms-admin-cli/target/minkms/bin/minkms"
    elif command -v minkms >/dev/null; then
        command -v minkms
    else
        die "no minkms found: build it (mvn -B package -DskipTests), install the package, or set MINKMS"
    fi
}

require_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "$tool not found: install it (apt-get install $tool)"
    done
}

# The PID of node N if it is running (a live process whose command line names DIR/nodeN).
running_pid() {
    local pidfile
    pidfile=$(node_dir "$1")/pid
    [[ -f $pidfile ]] || return 1
    local pid
    pid=$(<"$pidfile")
    is_number "$pid" || return 1
    is_alive "$pid" || return 1
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF "$(node_dir "$1")" || return 1
    echo "$pid"
}

# Whether node N answers GET /v1/health/live with 200, over TLS verified against the test CA.
is_live() {
    curl --silent --fail --max-time 3 -o /dev/null \
        --cacert "$DIR/certs/ca/ca.crt" \
        --cert "$DIR/certs/client/client.crt" --key "$DIR/certs/client/client.key" \
        "https://$(endpoint_of "$1")/v1/health/live"
}

log_tail() {
    local log
    log=$(node_dir "$1")/minkms.log
    if [[ -s $log ]]; then
        echo "--- last lines of $log:" >&2
        tail -n 20 "$log" >&2
    fi
}

hsm_key() {
    local file=$DIR/hsm.key key
    if [[ -f $file ]]; then
        key=$(<"$file")
        [[ $key =~ $HSM_KEY_PATTERN ]] || die "$file does not hold an HSM key (hsm:aes256:...)"
    else
        key=$("$MINKMS_BIN" --soft-hsm) || die "'minkms --soft-hsm' failed"
        key=$(printf '%s\n' "$key" | grep -E "$HSM_KEY_PATTERN" | head -n 1 || true)
        [[ -n $key ]] || die "'minkms --soft-hsm' printed no HSM key"
        (umask 077 && printf '%s\n' "$key" >"$file")
    fi
    echo "$key"
}

make_certificates() {
    local missing=0 n
    for n in "${NODES[@]}"; do
        [[ -f $DIR/certs/$(ip_of "$n")/public.crt && -f $DIR/certs/$(ip_of "$n")/private.key ]] || missing=1
    done
    if ((missing)); then
        [[ -x $CERTS_SCRIPT ]] || die "$CERTS_SCRIPT not found or not executable"
        local ips=()
        for n in "${NODES[@]}"; do ips+=("$(ip_of "$n")"); done
        "$CERTS_SCRIPT" "$DIR/certs" "${ips[@]}" >/dev/null || die "$CERTS_SCRIPT failed"
    fi
    local client=$DIR/certs/client
    if [[ ! -f $client/client.crt || ! -f $client/client.key ]]; then
        mkdir -p "$client"
        (umask 077 && openssl req -x509 -newkey ed25519 -nodes -keyout "$client/client.key" \
            -out "$client/client.crt" -subj "/CN=minkms local-cluster health check" -days 3650 \
            -addext "extendedKeyUsage = clientAuth" 2>/dev/null) \
            || die "openssl could not create the client certificate in $client"
    fi
}

write_config() {
    local n=$1 certs
    certs=$DIR/certs/$(ip_of "$n")
    cat >"$(node_dir "$n")/config.yaml" <<EOF
# Written by $PROG: node$n of the local cluster in $DIR.
version: v1
tls:
  certs:
    - key: $certs/private.key
      cert: $certs/public.crt
  ca: $certs/CAs
EOF
}

start_node() {
    local n=$1 hsm=$2 dir
    dir=$(node_dir "$n")
    mkdir -p "$dir"
    write_config "$n"
    echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) $PROG start" >>"$dir/minkms.log"
    MINIO_KMS_HSM_KEY=$hsm nohup "$MINKMS_BIN" server "$dir" \
        --address "$(endpoint_of "$n")" --host "$(endpoint_of "$n")" \
        --config "$dir/config.yaml" >>"$dir/minkms.log" 2>&1 </dev/null &
    echo $! >"$dir/pid"
}

wait_live() {
    local deadline=$(($(now_millis) + START_TIMEOUT * 1000)) n pending
    while :; do
        pending=()
        for n in "${NODES[@]}"; do
            if ! running_pid "$n" >/dev/null; then
                log_tail "$n"
                die "node$n ($(endpoint_of "$n")) exited during startup; see $(node_dir "$n")/minkms.log; stop the others with: $PROG stop $DIR"
            fi
            is_live "$n" || pending+=("$n")
        done
        ((${#pending[@]} == 0)) && return 0
        if (($(now_millis) >= deadline)); then
            for n in "${pending[@]}"; do log_tail "$n"; done
            die "node(s) ${pending[*]} did not answer /v1/health/live within ${START_TIMEOUT}s; stop them with: $PROG stop $DIR"
        fi
        sleep 1
    done
}

# The root API key (k1:...): from node0's startup banner ("API Key   k1:..."), else from
# `minkms identity HSM-KEY`.
root_api_key() {
    local hsm=$1 key
    key=$(grep -E "API Key +$API_KEY_PATTERN" "$(node_dir "${NODES[0]}")/minkms.log" 2>/dev/null \
        | tail -n 1 | grep -oE "$API_KEY_PATTERN" || true)
    if [[ -z $key ]]; then
        key=$("$MINKMS_BIN" identity "$hsm" 2>/dev/null | grep -oE "$API_KEY_PATTERN" | head -n 1 || true)
    fi
    [[ -n $key ]] || die "found no root API key: neither in the banner of $(node_dir "${NODES[0]}")/minkms.log nor from 'minkms identity'"
    echo "$key"
}

# Whether node N answers GET /v1/health/ready?write with 200: it can commit writes (its
# single-node cluster has formed and its leader serves). Live comes earlier, with HTTPS.
is_write_ready() {
    curl --silent --fail --max-time 3 -o /dev/null \
        --cacert "$DIR/certs/ca/ca.crt" \
        --cert "$DIR/certs/client/client.crt" --key "$DIR/certs/client/client.key" \
        "https://$(endpoint_of "$1")/v1/health/ready?write"
}

wait_write_ready() {
    local n=$1 deadline=$(($(now_millis) + START_TIMEOUT * 1000))
    until is_write_ready "$n"; do
        if (($(now_millis) >= deadline)); then
            log_tail "$n"
            die "node$n ($(endpoint_of "$n")) is not ready for writes within ${START_TIMEOUT}s; stop the nodes with: $PROG stop $DIR"
        fi
        sleep 1
    done
}

form_cluster() {
    local api_key=$1 n out
    [[ -f $DIR/cluster.formed ]] && return 0
    # `add` is a write on the first node: wait until its cluster has formed
    wait_write_ready "${NODES[0]}"
    for n in "${NODES[@]:1}"; do
        echo "Adding node$n: minkms add $(endpoint_of "$n")"
        # -k: the CLI trusts only the system CAs and ~/.minkms/certs/CAs, which this script does not
        # touch; each node's certificate was verified against the test CA by the health check above.
        if ! out=$(MINIO_KMS_SERVER="https://$(endpoint_of "${NODES[0]}")" MINIO_KMS_API_KEY=$api_key \
            "$MINKMS_BIN" add -k "$(endpoint_of "$n")" 2>&1 </dev/null); then
            printf '%s\n' "$out" >&2
            die "'minkms add $(endpoint_of "$n")' failed; the nodes keep running (stop them with: $PROG stop $DIR)"
        fi
        [[ -z $out ]] || printf '%s\n' "$out"
    done
    printf '%s\n' "${NODES[@]/#/node}" >"$DIR/cluster.formed"
}

cmd_start() {
    require_tools openssl curl
    MINKMS_BIN=$(find_minkms)
    mkdir -p "$DIR" || die "cannot create $DIR"
    DIR=$(cd "$DIR" && pwd -P)
    local n pid stopped=() running=()
    for n in "${NODES[@]}"; do
        if pid=$(running_pid "$n"); then
            running+=("node$n (pid $pid)")
        else
            stopped+=("$n")
        fi
    done
    if ((${#stopped[@]} == 0)); then
        die "every node is already running: see '$PROG status $DIR', or '$PROG stop $DIR' first"
    elif ((${#running[@]} > 0)) && [[ ! -f $DIR/cluster.formed ]]; then
        die "${running[0]} is already running but the cluster was never formed: '$PROG stop $DIR' first"
    fi
    echo "Using $MINKMS_BIN"
    local hsm
    hsm=$(hsm_key)
    make_certificates
    for n in "${stopped[@]}"; do
        start_node "$n" "$hsm"
    done
    if ((${#running[@]} > 0)); then
        echo "Left running: ${running[*]}; started: ${stopped[*]/#/node}"
    fi
    wait_live
    local api_key
    api_key=$(root_api_key "$hsm")
    form_cluster "$api_key"

    local urls=() servers endpoint
    for n in "${NODES[@]}"; do urls+=("https://$(endpoint_of "$n")"); done
    servers=$(IFS=,; echo "${urls[*]}")
    (umask 077 && cat >"$DIR/client.env" <<EOF
export MINIO_KMS_SERVER=$servers
export MINIO_KMS_API_KEY=$api_key
EOF
    )
    echo
    echo "Local minkms cluster is up in $DIR:"
    for n in "${NODES[@]}"; do
        endpoint=$(endpoint_of "$n")
        echo "  node$n  https://$endpoint  pid $(running_pid "$n" || echo '?')  log $(node_dir "$n")/minkms.log"
    done
    echo
    echo "Root API key: $api_key"
    echo
    echo "Client settings (also in $DIR/client.env):"
    echo "  export MINIO_KMS_SERVER=$servers"
    echo "  export MINIO_KMS_API_KEY=$api_key"
    echo "Trust the test CA (or pass -k / --insecure to each command):"
    echo "  mkdir -p ~/.minkms/certs/CAs && cp $DIR/certs/ca/ca.crt ~/.minkms/certs/CAs/minkms-local-cluster-ca.crt"
    echo "Then e.g.: minkms stat"
    echo "Stop the cluster: $PROG stop $DIR"
}

cmd_stop() {
    [[ -d $DIR ]] || die "$DIR does not exist"
    DIR=$(cd "$DIR" && pwd -P)
    local n pid pids=() names=()
    for n in "${NODES[@]}"; do
        if pid=$(running_pid "$n"); then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
            names+=("node$n")
        else
            echo "node$n is not running"
            rm -f "$(node_dir "$n")/pid"
        fi
    done
    local deadline=$(($(now_millis) + STOP_TIMEOUT * 1000)) i alive
    while :; do
        alive=0
        for i in "${!pids[@]}"; do
            [[ -n ${pids[$i]} ]] || continue
            if is_alive "${pids[$i]}"; then
                alive=1
            else
                echo "${names[$i]} stopped (pid ${pids[$i]})"
                rm -f "$DIR/${names[$i]}/pid"
                pids[$i]=
            fi
        done
        ((alive)) || break
        if (($(now_millis) >= deadline)); then
            for i in "${!pids[@]}"; do
                [[ -n ${pids[$i]} ]] || continue
                kill -KILL "${pids[$i]}" 2>/dev/null || true
                echo "${names[$i]} killed (pid ${pids[$i]}): no exit within ${STOP_TIMEOUT}s of SIGTERM"
                rm -f "$DIR/${names[$i]}/pid"
            done
            break
        fi
        sleep 0.2
    done
}

cmd_status() {
    [[ -d $DIR ]] || die "$DIR does not exist"
    DIR=$(cd "$DIR" && pwd -P)
    local n pid all=0
    for n in "${NODES[@]}"; do
        if pid=$(running_pid "$n"); then
            if [[ -f $DIR/certs/client/client.crt ]] && is_live "$n"; then
                echo "node$n  https://$(endpoint_of "$n")  running (pid $pid), live"
            else
                echo "node$n  https://$(endpoint_of "$n")  running (pid $pid), not answering /v1/health/live"
                all=3
            fi
        else
            echo "node$n  https://$(endpoint_of "$n")  stopped"
            all=3
        fi
    done
    return "$all"
}

main() {
    [[ -n ${EPOCHREALTIME:-} ]] || die "needs bash 5 or later (this is bash $BASH_VERSION)"
    (($# >= 1 && $# <= 2)) || usage
    is_number "$PORT" && ((PORT >= 1 && PORT <= 65535)) || die "MINKMS_CLUSTER_PORT=$PORT is not a port number"
    is_number "$START_TIMEOUT" || die "MINKMS_START_TIMEOUT_SECONDS=$START_TIMEOUT is not a number of seconds"
    is_number "$STOP_TIMEOUT" || die "MINKMS_STOP_TIMEOUT_SECONDS=$STOP_TIMEOUT is not a number of seconds"
    DIR=${2:-./local-cluster}
    case $1 in
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        *) usage ;;
    esac
}

main "$@"
