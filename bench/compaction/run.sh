#!/usr/bin/env bash
# Engine compaction benchmark (file mode, Release, this machine), one command:
#   1. space: the overwrite run of bench/kv.lua's 10,000 keys (100-byte values, ~1.25 MB live) for SECONDS with
#      put load (wrk, 16 connections) and a concurrent get load (16 connections), compaction on (default ratio 1.5)
#      and off (--compaction-ratio 0); storage bytes (the bucket's files) and live bytes (the engine's
#      engula_engine_live_bytes gauge) sampled every 10 s; puts/s and gets/s of the whole run;
#   2. recovery: for 10^4, 10^5 and 10^6 live keys, PASSES overwrite passes (at least 450,000 puts), then an engine
#      restart (SIGKILL, then launch): time from launch
#      to the port answering /health, the engine's RSS after recovery, the tables it read; compaction on and off.
# Usage: bench/compaction/run.sh [SECONDS=300] [PASSES=2]   (installs wrk with apt when missing; SKIP_SPACE=1 runs
# only the recovery part)
# Output: a markdown table on stdout; samples in bench/results/compaction-*.csv.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_RUN=${1:-300}
PASSES=${2:-2}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
out=bench/results
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() { for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; wait "${pids[$i]}" 2>/dev/null || true; done; pids=(); }
ENGINE_PID=
trap 'cleanup; if [ -n "$ENGINE_PID" ]; then kill "$ENGINE_PID" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
dotnet build -c Release -nologo -clp:ErrorsOnly Engula.Server/Engula.Server.csproj >/dev/null
ENGULA=(dotnet Engula.Server/bin/Release/net10.0/engula.dll)
export Logging__LogLevel__Default=Warning
J=127.0.0.1:34670 S=127.0.0.1:34669 K=127.0.0.1:34667 E=127.0.0.1:34668 A=127.0.0.1:35668

wait_http() { for _ in $(seq 1 1200); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.05; done; echo "not up: $1" >&2; return 1; }
start_peers() { # dir
  "${ENGULA[@]}" journal run $J --file "$1/journal" & pids+=($!)
  "${ENGULA[@]}" storage run $S --file "$1/storage" & pids+=($!)
  "${ENGULA[@]}" kernel run $K --journal $J --storage $S --file "$1/kernel/manifest" & pids+=($!)
}
start_engine() { # ratio
  "${ENGULA[@]}" engine run $E --kernel $K --admin $A --compaction-ratio "$1" & ENGINE_PID=$!
}
stop_engine() { kill -KILL "$ENGINE_PID" 2>/dev/null || true; wait "$ENGINE_PID" 2>/dev/null || true; }
stored_bytes() { find "$1/storage" -path '*/DEFAULT/*' -type f -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s+0}'; }
live_bytes() { curl -fs "http://$A/metrics" | awk '/^engula_engine_live_bytes/ {v = $2} END {print v + 0}'; }
rps() { awk '/Requests\/sec/ {printf "%.0f", $2}' "$1"; }

[ "${SKIP_SPACE:-}" = 1 ] || echo "| compaction | puts/s | gets/s | stored MB at end | live MB | stored/live: mean of samples | max of samples |"
[ "${SKIP_SPACE:-}" = 1 ] || echo "|---|---|---|---|---|---|---|"
for mode in on off; do
  [ "${SKIP_SPACE:-}" = 1 ] && break
  ratio=1.5; [ "$mode" = off ] && ratio=0
  dir=$work/space-$mode; mkdir -p "$dir"
  start_peers "$dir"; start_engine "$ratio"; wait_http "http://$E/health"
  # Every key once, so that live bytes are the whole key space from the first sample on.
  wrk -t2 -c16 -d3s -s bench/kv.lua "http://$E" -- put >/dev/null
  csv=$out/compaction-space-$mode.csv; echo "seconds,stored_bytes,live_bytes" > "$csv"
  wrk -t1 -c16 -d"${SECONDS_RUN}s" -s bench/kv.lua "http://$E" -- put > "$work/put-$mode.txt" & wput=$!
  wrk -t1 -c16 -d"${SECONDS_RUN}s" -s bench/kv.lua "http://$E" -- get > "$work/get-$mode.txt" & wget=$!
  for t in $(seq 10 10 "$SECONDS_RUN"); do
    sleep 10
    echo "$t,$(stored_bytes "$dir"),$(live_bytes)" >> "$csv"
  done
  wait $wput $wget
  awk -F, -v mode="$mode" -v puts="$(rps "$work/put-$mode.txt")" -v gets="$(rps "$work/get-$mode.txt")" '
    NR > 1 && $3 > 0 { n++; r = $2 / $3; sum += r; if (r > max) max = r; last = $2; live = $3 }
    END { printf "| %s | %s | %s | %.1f | %.2f | %.2f | %.2f |\n", mode, puts, gets, last / 1e6, live / 1e6, sum / n, max }' "$csv"
  stop_engine; cleanup
done

echo
echo "| live keys | puts (at least) | compaction | stored MB | live MB | restart: launch → /health s | RSS after recovery MB |"
echo "|---|---|---|---|---|---|---|"
for keys in 10000 100000 1000000; do
  for mode in on off; do
    ratio=1.5; [ "$mode" = off ] && ratio=0
    dir=$work/rec-$keys-$mode; mkdir -p "$dir"
    start_peers "$dir"; start_engine "$ratio"; wait_http "http://$E/health"
    # A long overwrite run: PASSES passes over the keys, and at least 450,000 puts (~56 MB written, a dozen flushes of
    # the 4 MiB memtable) so that small key counts have a write history too. wrk runs until then (rate from 5 s).
    puts=$(( keys * PASSES > 450000 ? keys * PASSES : 450000 ))
    wrk -t1 -c32 -d5s -s bench/compaction/overwrite.lua "http://$E" -- "$keys" > "$work/probe.txt"
    rate=$(rps "$work/probe.txt"); [ "${rate:-0}" -gt 0 ] || rate=1000
    need=$(( puts / rate + 1 ))
    if [ "$need" -gt 5 ]; then wrk -t1 -c32 -d"$((need - 5))s" -s bench/compaction/overwrite.lua "http://$E" -- "$keys" >/dev/null; fi
    live=$(( keys * 125 )) # every key holds a 100-byte value: 1 + 4 + 16 + 4 + 100 encoded bytes
    stop_engine
    started=$(date +%s.%N)
    start_engine "$ratio"; wait_http "http://$E/health"
    restart=$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $started}")
    rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$ENGINE_PID/status")
    printf '| %s | %s | %s | %.1f | %.1f | %s | %s |\n' "$keys" "$puts" "$mode" "$(echo "$(stored_bytes "$dir") / 1000000" | bc -l)" \
      "$(echo "$live / 1000000" | bc -l)" "$restart" "$rss"
    stop_engine; cleanup
    rm -rf "$dir"
  done
done
