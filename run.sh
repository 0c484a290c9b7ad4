#!/usr/bin/env bash
# Builds minkms and starts one node on the embedded H2 store: ./run.sh [DIR]
# The node listens on https://127.0.0.1:7373 with a self-signed certificate; Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")"
dir=${1:-run/node0}
if [ ! -x kms-admin-cli/target/minkms/bin/minkms ] || [ "${MINKMS_REBUILD:-1}" = 1 ]; then
  echo "Building minkms (mvn package, quiet: minutes on a first run; MINKMS_REBUILD=0 skips it) ..." >&2
  # Maven 3.8 prints colour reset codes even in batch mode: strip them (pipefail keeps its exit code)
  mvn -B -q -ntp package -DskipTests 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
fi
bin=kms-admin-cli/target/minkms/bin/minkms
mkdir -p run
[ -s run/hsm.key ] || "$bin" --soft-hsm > run/hsm.key
chmod 600 run/hsm.key
export MINIO_KMS_HSM_KEY=$(cat run/hsm.key)
cat <<EOT
HSM key: run/hsm.key (keep it: the node's state cannot be decrypted without it)
Talk to the node from another shell:
  export MINIO_KMS_SERVER=https://127.0.0.1:7373
  export MINIO_KMS_API_KEY=\$($bin identity \$(cat run/hsm.key) --json | sed -n 's/.*"api_key": *"\([^"]*\)".*/\1/p')
  $bin ls-enclave -k
EOT
exec "$bin" server "$dir" --address 127.0.0.1:7373 --host 127.0.0.1:7373
