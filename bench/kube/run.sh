#!/usr/bin/env bash
# Kubernetes on a real node, timed: runs the node tier (tests/Engula.Node.Tests) RUNS times, each on a fresh node
# (eng/kube/start-kube-node.sh), and prints the durations it observed:
#   operator_apply_to_available          kubectl apply -f deploy/operator/install.yaml → both operator replicas Ready
#   sample_apply_to_4_ready              kubectl apply of the original sample → its four pods Running and Ready
#   published_apply_to_4_ready           kubectl apply -k of the published directory → four pods Ready
#   engine_pod_deleted_to_put_answered   the engine pod deleted → a put answered by its replacement
#   operator_failover_leader_pod_deleted the leading operator pod deleted → the standby holds the Lease
#   rollout_<component>_done_after      a new image patched into the sample under put load → that component's
#                                        new pod Ready (journal, storage, kernel, engine in turn)
#   rollout_full                         the same → the engine's new pod Ready (the whole gated rollout)
#   tier_wall                            the whole `dotnet test` of the tier, node start and stop included
# Usage: bench/kube/run.sh [RUNS]   (root; default 3 runs; provisioning as ./test.sh does it must have run)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
dotnet build tests/Engula.Node.Tests -c Release -nologo -clp:ErrorsOnly >/dev/null
for i in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  ENGULA_NODE_TIMINGS=$out/timings dotnet test tests/Engula.Node.Tests -c Release --no-build -nologo >"$out/run-$i.log" 2>&1 \
    || { tail -40 "$out/run-$i.log" >&2; echo "run $i failed" >&2; exit 1; }
  echo "tier_wall $(awk "BEGIN{print $(date +%s.%N)-$start}")" >> "$out/timings"
  echo "run $i/$RUNS done" >&2
done
echo "| metric | runs | min s | median s | max s |"
echo "|---|---|---|---|---|"
for m in operator_apply_to_available sample_apply_to_4_ready published_apply_to_4_ready \
         engine_pod_deleted_to_put_answered operator_failover_leader_pod_deleted \
         rollout_journal_done_after rollout_storage_done_after rollout_kernel_done_after rollout_engine_done_after rollout_full tier_wall; do
  grep "^$m " "$out/timings" | awk '{print $2}' | sort -n | awk -v m="$m" '
    { v[NR] = $1 }
    END { if (NR == 0) { printf "| %s | 0 | | | |\n", m; exit }
          med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
          printf "| %s | %d | %.1f | %.1f | %.1f |\n", m, NR, v[1], med, v[NR] }'
done
