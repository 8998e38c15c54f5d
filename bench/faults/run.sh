#!/usr/bin/env bash
# The fault matrix, one command: journal, storage, kernel and engine each SIGKILLed and restarted 2 s later, and
# SIGSTOPped for 3 s then resumed, TRIALS times each, under 8 closed-loop clients (a put then a get) against real
# engula processes in file mode on loopback (Release build). Every put's answer is counted by outcome; after each
# victim/fault group everything is SIGKILLed and restarted and every key is read back.
# Usage: bench/faults/run.sh [TRIALS=10] [more arguments for the bench, e.g. --victims journal --faults kill]
# Output: a markdown table on stdout (the "Faults" table of docs/benchmarks.md), per-trial rows in bench/results/faults.csv.
# Exit 1 if an acknowledged put was lost or a put answered "not applied" appeared.
set -euo pipefail
cd "$(dirname "$0")/../.."
TRIALS=${1:-10}
shift || true
mkdir -p bench/results
dotnet build -c Release -nologo -clp:ErrorsOnly bench/faults/Engula.Faults.Bench.csproj >/dev/null
dotnet bench/faults/bin/Release/net10.0/Engula.Faults.Bench.dll --trials "$TRIALS" --csv bench/results/faults.csv "$@"
