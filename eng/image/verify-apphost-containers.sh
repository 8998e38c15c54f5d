#!/usr/bin/env bash
# Runs the local cluster from the engula image — the AppHost's container option (`--Engula:ContainerImage`) — with
# podman, and checks the original README's put and get through the engine's port. Real parts end to end: the built
# AppHost, DCP, podman, the four components in containers with their data in named volumes.
# Usage: eng/image/verify-apphost-containers.sh [image, default localhost/engula:verify]
#   Needs the built AppHost (`dotnet build`) and the image (eng/image/verify-podman.sh builds it).
# Aspire settings used: ASPIRE_CONTAINER_RUNTIME=podman, and ASPIRE_ENABLE_CONTAINER_TUNNEL=false because the tunnel
# proxy image is built from mcr.microsoft.com, which this machine cannot reach (containers reach the host directly).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CONTAINERS_CONF="$PWD/eng/image/containers.conf"
export ASPIRE_CONTAINER_RUNTIME=podman ASPIRE_ENABLE_CONTAINER_TUNNEL=false
image=${1:-localhost/engula:verify}
podman image exists "$image" || { echo "image $image not found (eng/image/verify-podman.sh builds it)" >&2; exit 1; }

log=$(mktemp)
volumes_before=$(podman volume ls -q | sort)
dotnet run --project Engula.AppHost --no-build -- "--Engula:ContainerImage=$image" >"$log" 2>&1 &
runner=$!
cleanup() {
  pkill -TERM -P "$runner" 2>/dev/null || true
  kill -TERM "$runner" 2>/dev/null || true
  wait "$runner" 2>/dev/null || true
  podman ps -aq --filter "ancestor=$image" | xargs -r podman rm -f >/dev/null 2>&1 || true
  comm -13 <(echo "$volumes_before") <(podman volume ls -q | sort) | xargs -r podman volume rm -f >/dev/null 2>&1 || true
  rm -f "$log"
}
trap cleanup EXIT

ready=0
for _ in $(seq 1 1800); do
  if grep -q "Engula cluster is ready" "$log"; then ready=1; break; fi
  if ! kill -0 "$runner" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ "$ready" -ne 1 ]; then
  echo "the AppHost never reported the cluster ready from $image:" >&2
  tail -n 40 "$log" >&2
  exit 1
fi

running=$(podman ps -q --filter "ancestor=$image" | wc -l)
[ "$running" -eq 4 ] || { echo "expected 4 containers of $image, found $running" >&2; podman ps >&2; exit 1; }
put=$(curl -fsS "http://localhost:24568/put?key=1&value=111")
get=$(curl -fsS "http://localhost:24568/get?key=1")
[ "$put" = "put success" ] && [ "$get" = "111" ] || { echo "put answered '$put', get answered '$get'" >&2; exit 1; }
echo "AppHost container option: 4 containers of $image healthy; put -> '$put', get -> '$get'"
