#!/usr/bin/env bash
# The project's test command (README): provisions what the tests need, builds, and runs every test project.
# Test results (TRX) land in .artifacts/test-results.
set -euo pipefail
cd "$(dirname "$0")"

# Provision external test dependencies (idempotent; each script skips work already done).
for script in eng/provision/*.sh; do
  [ -e "$script" ] || continue
  echo "== provisioning: $script"
  bash "$script"
done

rm -rf .artifacts/test-results
dotnet build Engula.sln -c Debug -nologo -clp:ErrorsOnly
dotnet test Engula.sln --no-build -c Debug --logger "trx" --results-directory .artifacts/test-results "$@"
