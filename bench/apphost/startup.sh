#!/usr/bin/env bash
# Start-up benchmark of the local cluster: from launching the built AppHost (`dotnet run --project
# Engula.AppHost --no-build`, the http launch profile) to (a) the first successful
# `GET /put` on the engine's port and (b) all four components healthy (the AppHost's
# "Engula cluster is ready" line, printed when journal, storage, kernel and engine all report Healthy).
# Each run uses a fresh file-mode data directory and is stopped with SIGTERM to the AppHost process.
#
# usage: bench/apphost/startup.sh [--runs N] [--no-build] [--direct] [-- extra AppHost args, e.g. --Engula:Proxied=false]
#   --direct  launch Engula.AppHost/bin/Debug/net10.0/Engula.AppHost itself with the http launch profile's
#             environment, without `dotnet run` (which spends ~1-3 s of CPU evaluating the project first).
# Prints one line per run and the medians; also writes them to bench/results/apphost-startup-<time>.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=5
build=1
direct=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --direct) direct=1; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

engine_port=24568
ports=(24567 24568 24569 24570 15080 19080 20080)
timeout_s=180

port_busy() { ss -Hltn "sport = :$1" | grep -q .; }
# CPU seconds (user+system, including reaped children) of the launched process tree (dotnet run, the AppHost)
# and of DCP's two sessions (DCP, the dashboard, the four engula processes). Unlike wall time it does not
# depend on what else the shared machine is doing.
cpu_seconds() {
  local root="$1"; shift
  local hz pids
  hz=$(getconf CLK_TCK)
  pids=$(ps -eo pid=,ppid=,sid= | awk -v root="$root" -v sids=" $* " '
    { pid[NR] = $1; ppid[NR] = $2; sid[NR] = $3 }
    END {
      keep[root] = 1
      for (changed = 1; changed; ) { changed = 0; for (i = 1; i <= NR; i++) if (!(pid[i] in keep) && (ppid[i] in keep)) { keep[pid[i]] = 1; changed = 1 } }
      for (i = 1; i <= NR; i++) if ((pid[i] in keep) || index(sids, " " sid[i] " ")) print pid[i]
    }')
  for pid in $pids; do sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 + $14 + $15 }'; done |
    awk -v hz="$hz" '{ s += $1 } END { printf "%.1f", s / hz }'
}
session_of() { ps -o sid= -p "$1" 2>/dev/null | tr -d ' '; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "n/a" } else if (NR % 2) { print v[(NR + 1) / 2] } else { printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 } }'; }

if [ "$build" = 1 ]; then
  dotnet build Engula.AppHost -c Debug -nologo -clp:ErrorsOnly >/dev/null
fi

for p in "${ports[@]}"; do
  if port_busy "$p"; then
    echo "port $p is in use (a running AppHost?); stop it first" >&2
    exit 1
  fi
done

mkdir -p bench/results
result_file="bench/results/apphost-startup-$(date +%Y%m%d-%H%M%S).txt"
work=$(mktemp -d /tmp/engula-startup.XXXXXX)
put_times=()
ready_times=()
cpu_times=()

cleanup_run() {
  local runner="$1" apphost="$2"
  [ -n "$apphost" ] && kill -TERM "$apphost" 2>/dev/null || true
  kill -TERM "$runner" 2>/dev/null || true
  # Wait for the AppHost (and with it DCP's proxies on the fixed ports) to go away before the next run.
  for _ in $(seq 1 300); do
    local busy=0
    for p in "${ports[@]}"; do port_busy "$p" && busy=1; done
    if [ "$busy" = 0 ] && ! kill -0 "$runner" 2>/dev/null; then break; fi
    sleep 0.1
  done
  [ "$busy" = 1 ] && echo "warning: ports still busy 30 s after SIGTERM" >&2
  # DCP, the dashboard and the servers wind down after the ports close; a run that starts while they still use
  # the CPU measures their shutdown too (seen: 9 s vs 17 s for the same build).
  for _ in $(seq 1 300); do
    pgrep -f 'aspire.hosting.orchestration|Aspire.Dashboard|Engula.Server/bin/' >/dev/null || return 0
    sleep 0.1
  done
  echo "warning: DCP, dashboard or server processes still running 30 s after SIGTERM" >&2
}

for run in $(seq 1 "$runs"); do
  data="$work/data-$run"
  log="$work/apphost-$run.log"
  start=$(now)
  if [ "$direct" = 1 ]; then
    # The environment of the "http" profile in Engula.AppHost/Properties/launchSettings.json.
    ASPNETCORE_URLS=http://localhost:15080 ASPNETCORE_ENVIRONMENT=Development DOTNET_ENVIRONMENT=Development \
      ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:19080 ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://localhost:20080 \
      ASPIRE_ALLOW_UNSECURED_TRANSPORT=true \
      Engula.AppHost/bin/Debug/net10.0/Engula.AppHost "--Engula:DataDirectory=$data" "${extra[@]}" >"$log" 2>&1 &
    runner=$!
    apphost=$runner
  else
    dotnet run --project Engula.AppHost --no-build -- "--Engula:DataDirectory=$data" "${extra[@]}" >"$log" 2>&1 &
    runner=$!
    apphost=""
  fi
  t_put=""
  t_ready=""
  while [ -z "$t_put" ] || [ -z "$t_ready" ]; do
    t=$(now)
    if [ "$(elapsed "$start" "$t" | cut -d. -f1)" -ge "$timeout_s" ]; then
      echo "run $run: timed out after ${timeout_s}s (log: $log)" >&2
      break
    fi
    [ -z "$apphost" ] && apphost=$(pgrep -P "$runner" -f '/Engula.AppHost( |$)' || true)
    if [ -z "$t_put" ] && [ "$(curl -s -m 1 "http://127.0.0.1:$engine_port/put?key=bench&value=$run" || true)" = "put success" ]; then
      t_put=$(elapsed "$start" "$(now)")
    fi
    if [ -z "$t_ready" ] && grep -q "Engula cluster is ready" "$log"; then
      t_ready=$(elapsed "$start" "$(now)")
      apiserver=$(pgrep -f "dcp start-apiserver --monitor $apphost " | head -n 1 || true)
      controllers=$([ -n "$apiserver" ] && pgrep -f "dcp run-controllers .*--monitor $apiserver " | head -n 1 || true)
      cpu=$(cpu_seconds "$runner" "$(session_of "${apiserver:-0}")" "$(session_of "${controllers:-0}")")
    fi
    sleep 0.05
  done
  echo "run $run: first put ${t_put:-n/a} s, all four healthy ${t_ready:-n/a} s, CPU used until healthy ${cpu:-n/a} s" | tee -a "$result_file"
  [ -n "$t_put" ] && put_times+=("$t_put")
  [ -n "$t_ready" ] && ready_times+=("$t_ready")
  [ -n "${cpu:-}" ] && cpu_times+=("$cpu")
  cpu=""
  cleanup_run "$runner" "$apphost"
done

put_median=$(printf '%s\n' "${put_times[@]}" | median)
ready_median=$(printf '%s\n' "${ready_times[@]}" | median)
cpu_median=$(printf '%s\n' "${cpu_times[@]}" | median)
{
  echo "median of ${#put_times[@]} runs: launch -> first put ${put_median} s"
  echo "median of ${#ready_times[@]} runs: launch -> all four healthy ${ready_median} s"
  echo "median of ${#cpu_times[@]} runs: CPU seconds used by the AppHost, DCP, dashboard and servers until healthy ${cpu_median} s"
  echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), cpu pressure $(awk '/^some/ { print $2 }' /proc/pressure/cpu 2>/dev/null); launch: $([ "$direct" = 1 ] && echo "AppHost binary" || echo "dotnet run --no-build"); extra args: ${extra[*]:-none}"
} | tee -a "$result_file"
if [ "${#put_times[@]}" = "$runs" ] && [ "${#ready_times[@]}" = "$runs" ]; then rm -rf "$work"; else echo "logs kept in $work" >&2; fi
