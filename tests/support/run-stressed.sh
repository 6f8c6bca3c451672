#!/usr/bin/env bash
# The whole suite on a busy box: stress-ng keeps every core busy for as long as the tests run, so
# a test that waits for a fixed time instead of a condition fails here first.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v stress-ng >/dev/null; then
  echo "npm run test:stressed needs Debian's stress-ng: apt-get install stress-ng" >&2
  exit 2
fi
cpus=${PARCELROOM_STRESS_CPUS:-2}
stress-ng --cpu "$cpus" --timeout 0 --quiet &
stress=$!
# Load average once a minute, so the run's report says what it ran under.
(while sleep 60; do echo "[stressed] load average $(cut -d' ' -f1-3 /proc/loadavg)"; done) &
sampler=$!
trap 'kill "$stress" "$sampler" 2>/dev/null || true; wait "$stress" 2>/dev/null || true' EXIT
started=$(date +%s)
status=0
npm run test:node -- "$@" || status=$?
echo "[stressed] $(($(date +%s) - started)) s under stress-ng --cpu $cpus; load average at the end $(cut -d' ' -f1-3 /proc/loadavg); exit $status"
exit "$status"
