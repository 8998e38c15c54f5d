#!/usr/bin/env bash
# Builds the two images the node test tier runs — engula (deploy/image/Containerfile) and engula-operator — with
# podman on the local base of eng/image/base.sh, and saves them as docker-archives for eng/kube/node-image.sh:
#   .artifacts/image/node/engula.tar, .artifacts/image/node/engula-operator.tar
# They are built from this checkout every run (the images must be the code under test); podman's layer cache and
# the incremental `dotnet publish` keep a warm rebuild short. ENGULA_SKIP_KUBE=1 or ENGULA_SKIP_KUBE_NODE=1: nothing.
set -euo pipefail
[ "${ENGULA_SKIP_KUBE:-}" = 1 ] && exit 0
[ "${ENGULA_SKIP_KUBE_NODE:-}" = 1 ] && exit 0
cd "$(dirname "$0")/../.."
export CONTAINERS_CONF="$PWD/eng/image/containers.conf"
out=.artifacts/image/node
mkdir -p "$out"
base=$(eng/image/base.sh)
save() {
  local tag=$1 tar=$2
  rm -f "$tar"
  podman save --format docker-archive -o "$tar.tmp" "$tag" >/dev/null
  mv "$tar.tmp" "$tar"
}
eng/image/build.sh --engine podman --base "$base" --tag localhost/engula:node >/dev/null
save localhost/engula:node "$out/engula.tar"
eng/image/build.sh --operator --engine podman --base "$base" --tag localhost/engula-operator:node >/dev/null
save localhost/engula-operator:node "$out/engula-operator.tar"
echo "node-images.sh: $out/engula.tar, $out/engula-operator.tar" >&2
