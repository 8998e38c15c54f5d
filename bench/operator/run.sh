#!/usr/bin/env bash
# Starts a private test API server (eng/kube), runs the operator benchmark against it, stops the server.
# Usage: bench/operator/run.sh [clusters=50] [steady-seconds=60]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
clusters="${1:-50}"
steady="${2:-60}"
state="$(mktemp -d /tmp/engula-bench-kube-XXXXXX)"
cleanup() { bash "$root/eng/kube/stop-test-cluster.sh" "$state" --delete >/dev/null 2>&1 || true; }
trap cleanup EXIT
nice -n 10 dotnet build -c Release "$root/bench/operator/Engula.Operator.Bench" -v q -nologo >/dev/null
# The watchdog stops the cluster should this script die without running its trap.
ENGULA_KUBE_PARENT_PID=$$ bash "$root/eng/kube/start-test-cluster.sh" "$state" >/dev/null
nice -n 10 dotnet "$root/bench/operator/Engula.Operator.Bench/bin/Release/net10.0/Engula.Operator.Bench.dll" \
  --kubeconfig "$state/kubeconfig" --clusters "$clusters" --steady-seconds "$steady"
