#!/usr/bin/env bash
# Runs every test: unit, actor, HTTP, store (H2 and PostgreSQL) and the process/cluster tests.
set -euo pipefail
cd "$(dirname "$0")"
mvn -B -ntp -Pdeb install
