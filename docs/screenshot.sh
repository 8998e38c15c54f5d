#!/usr/bin/env bash
# Retakes docs/dashboard.png: starts the local cluster with a fixed dashboard login token, waits until the
# AppHost reports all four components healthy, logs into the Aspire dashboard in Debian's headless Chromium
# (driven by docs/capture-dashboard.mjs, no npm packages) and saves the Resources page.
# Needs the `chromium` package (apt-get install chromium) and Node.js.
#
# usage: docs/screenshot.sh [--no-build] [output.png]      (TRACES_PNG=file.png also saves the Traces page)
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
if [ "${1:-}" = "--no-build" ]; then build=0; shift; fi
out="${1:-docs/dashboard.png}"
token="engula-docs-screenshot"
dashboard="http://localhost:15080"
chromium_bin="${CHROMIUM:-/usr/bin/chromium}"

[ -x "$chromium_bin" ] || { echo "chromium not found at $chromium_bin (apt-get install chromium)" >&2; exit 1; }
if ss -Hltn 'sport = :15080' | grep -q . || ss -Hltn 'sport = :24568' | grep -q .; then
  echo "the dashboard or engine port is in use (a running AppHost?); stop it first" >&2
  exit 1
fi
if [ "$build" = 1 ]; then
  dotnet build Engula.AppHost -c Debug -nologo -clp:ErrorsOnly >/dev/null
fi

work=$(mktemp -d /tmp/engula-screenshot.XXXXXX)
runner=""
cleanup() {
  if [ -n "$runner" ]; then
    apphost=$(pgrep -P "$runner" -f '/Engula.AppHost( |$)' || true)
    [ -n "$apphost" ] && kill -TERM "$apphost" 2>/dev/null || true
    kill -TERM "$runner" 2>/dev/null || true
    wait "$runner" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A fixed browser token instead of the random one the AppHost prints: the dashboard reads
# ASPIRE_DASHBOARD_FRONTEND_BROWSERTOKEN.
ASPIRE_DASHBOARD_FRONTEND_BROWSERTOKEN="$token" \
  dotnet run --project Engula.AppHost --no-build -- "--Engula:DataDirectory=$work/data" >"$work/apphost.log" 2>&1 &
runner=$!

for _ in $(seq 1 1800); do
  grep -q "Engula cluster is ready" "$work/apphost.log" && break
  kill -0 "$runner" 2>/dev/null || { cat "$work/apphost.log" >&2; exit 1; }
  sleep 0.1
done
grep -q "Engula cluster is ready" "$work/apphost.log" || { echo "cluster not ready after 180 s" >&2; cat "$work/apphost.log" >&2; exit 1; }
# Write a key so the engine's telemetry is not empty.
curl -sf "http://localhost:24568/put?key=1&value=111" >/dev/null

# Log in with the fixed token and capture the Resources page once all four are listed as running.
CHROMIUM="$chromium_bin" node docs/capture-dashboard.mjs "$dashboard/login?t=$token" "$work/dashboard.png" journal storage kernel engine
if [ -n "${TRACES_PNG:-}" ]; then
  # Optional second picture: the Traces page with the put's trace (engine -> journal).
  CHROMIUM="$chromium_bin" node docs/capture-dashboard.mjs "$dashboard/login?t=$token" "$TRACES_PNG" --page /traces engine journal
fi

mkdir -p "$(dirname "$out")"
cp "$work/dashboard.png" "$out"
echo "saved $out"
