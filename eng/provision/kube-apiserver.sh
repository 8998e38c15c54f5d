#!/usr/bin/env bash
# Provisions a real Kubernetes control plane for the tests of Engula.Kubernetes (and the operator):
#   * kube-apiserver and kube-controller-manager 1.20.2, and the node's kubelet, kube-scheduler and kube-proxy
#     (eng/provision/kube-node.sh installs the rest of the node), built in ONE go from Debian's own `kubernetes` source package
#     (no prebuilt binary, kind, k3s or envtest can be obtained on the build machines; Debian ships the full
#     source tree with vendor/, and its Go 1.19 builds it offline);
#   * etcd (Debian's etcd-server), openssl and curl for eng/kube/start-test-cluster.sh;
#   * the Node packages of eng/kube/package-lock.json (offline JSON-schema validation of manifests against
#     current Kubernetes, eng/kube/validate.mjs).
#
# ./test.sh runs this before every test run, so the common case — everything already there — must cost well
# under a second: the binaries are cached OUTSIDE the clone, keyed by version, in
#   ${ENGULA_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engula/kube/<version>}/bin
# and every step first checks whether its result already exists. A cold run builds for ~6 min on 2 cores
# (niced, so it does not starve other work on the machine).
#
# Needs root (or sudo) only when apt packages are missing. Environment:
#   ENGULA_KUBE_CACHE      cache directory of the binaries (default above)
#   ENGULA_KUBE_NODE_CACHE cache directory of the validator's node packages (default ~/.cache/engula/kube-validate)
#   ENGULA_KUBE_KEEP_WORK  1 = keep the ~2.2 GB build tree (makes a forced rebuild ~1.5 min instead of ~6)
#   ENGULA_SKIP_KUBE       1 = do nothing (machines that only run the tests against ENGULA_TEST_KUBECONFIG)
set -euo pipefail

[ "${ENGULA_SKIP_KUBE:-}" = 1 ] && exit 0

KUBE_VERSION=1.20.2
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${ENGULA_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engula/kube/$KUBE_VERSION}
BIN=$CACHE/bin
NODE_DIR=$REPO/eng/kube
APT_PACKAGES=(golang-go rsync golang-github-modern-go-reflect2-dev etcd-server etcd-client openssl curl)

log() { echo "kube-apiserver.sh: $*" >&2; }

# ---- fast path: every result already present -------------------------------------------------------------
BINARIES=(kube-apiserver kube-controller-manager kubelet kube-scheduler kube-proxy)
binaries_ok() { local b; for b in "${BINARIES[@]}"; do [ -x "$BIN/$b" ] || return 1; done; }
runtime_ok() { command -v etcd >/dev/null && command -v openssl >/dev/null && command -v curl >/dev/null; }
# The validator's node_modules live in the cache too, keyed by the hash of the committed package-lock.json, and
# eng/kube/node_modules is a symlink to them: a fresh clone (CI) needs no npm run, and no network, once the
# machine has installed that lock before.
lock_hash() { sha256sum "$NODE_DIR/package-lock.json" | cut -c1-16; }
NODE_CACHE=${ENGULA_KUBE_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engula/kube-validate}/$(lock_hash)
node_ok() { [ -f "$NODE_CACHE/.complete" ] && [ "$(readlink "$NODE_DIR/node_modules" 2>/dev/null)" = "$NODE_CACHE/node_modules" ]; }

if binaries_ok && runtime_ok && node_ok; then
  exit 0
fi

# Serialise concurrent provisioning runs (two test runs on one machine must not build into the same tree).
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9

# ---- apt packages -----------------------------------------------------------------------------------------
# shellcheck source=lib/apt.sh
. "$REPO/eng/provision/lib/apt.sh"
mapfile -t missing < <(missing_packages "${APT_PACKAGES[@]}")
# node/npm are needed only for validation; install Debian's when the machine has none at all.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing apt packages: ${missing[*]}"
  apt_install "${missing[@]}"
fi

# ---- kube-apiserver + kube-controller-manager -------------------------------------------------------------
if ! binaries_ok; then
  start=$(date +%s)
  WORK=$CACHE/work
  mkdir -p "$WORK"
  # A private deb-src list derived from the system's own apt sources: the system's apt configuration and
  # lists are left untouched.
  A=$WORK/apt
  rm -rf "$A"; mkdir -p "$A/sources.d" "$A/lists/partial" "$A/cache/archives/partial"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && sed 's/^Types: deb$/Types: deb-src/' "$f" > "$A/sources.d/src-$(basename "$f")"
  done
  if [ -f /etc/apt/sources.list ]; then
    grep -h '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > "$A/sources.d/src.list" || true
  fi
  APTO=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$A/sources.d" -o Dir::State::Lists="$A/lists"
        -o Dir::Cache="$A/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
  cd "$WORK"
  if ! ls kubernetes_*.orig.tar.* >/dev/null 2>&1; then
    log "fetching Debian's kubernetes source package"
    # Some third-party sources have no deb-src; the Debian ones are what matters, so a partial update is fine.
    apt-get "${APTO[@]}" update >/dev/null 2>&1 || true
    apt-get "${APTO[@]}" source --download-only kubernetes >/dev/null
  fi
  SRC=$WORK/kubernetes-$KUBE_VERSION
  if [ ! -d "$SRC" ]; then
    tar xf kubernetes_*.orig.tar.*
    [ -d "$SRC" ] || { log "the source package did not unpack to kubernetes-$KUBE_VERSION"; exit 1; }
    # The vendored github.com/modern-go/reflect2 1.0.1 crashes under Go >= 1.18 ("fatal error: fault" in
    # mapiternext on the first custom-resource create); Debian's 1.0.2 is API-compatible and fixes it.
    V=$SRC/vendor/github.com/modern-go/reflect2
    rm -f "$V"/*.go "$V"/*.s
    cp /usr/share/gocode/src/github.com/modern-go/reflect2/*.go /usr/share/gocode/src/github.com/modern-go/reflect2/*.s "$V/"
    # The tree builds in GOPATH mode only (module mode fails with -mod=vendor).
    mkdir -p "$SRC/.go/src/k8s.io"
    ln -sfn ../../.. "$SRC/.go/src/k8s.io/kubernetes"
  fi
  log "building ${BINARIES[*]} $KUBE_VERSION (takes minutes)"
  cd "$SRC"
  # The tree's make stamps the version from git, which a source package lacks; set it explicitly so
  # `kube-apiserver --version` and /version report the real version. kubelet is not in the tree's list of static
  # binaries; KUBE_STATIC_OVERRIDES builds it CGO-less like the others (cadvisor's NVML binding has a no-cgo stub),
  # so the five share one build's packages (~1 min more than the control plane alone, instead of ~5 alone).
  GOPATH=$SRC/.go CGO_ENABLED=0 GOPROXY=off GOFLAGS= HOME=${HOME:-/root} \
    KUBE_GIT_VERSION=v$KUBE_VERSION KUBE_GIT_TREE_STATE=clean KUBE_STATIC_OVERRIDES=kubelet \
    nice -n 19 make WHAT="$(printf 'cmd/%s ' "${BINARIES[@]}")" > "$CACHE/build.log" 2>&1 \
    || { tail -30 "$CACHE/build.log" >&2; exit 1; }
  # Publish atomically: a half-copied binary must never satisfy binaries_ok.
  mkdir -p "$BIN.tmp"
  for b in "${BINARIES[@]}"; do cp "_output/bin/$b" "$BIN.tmp/"; done
  rm -rf "$BIN"; mv "$BIN.tmp" "$BIN"
  cd "$CACHE"
  [ "${ENGULA_KUBE_KEEP_WORK:-}" = 1 ] || rm -rf "$WORK"
  log "built in $(( $(date +%s) - start )) s: $BIN"
fi

# ---- Node packages for offline schema validation ----------------------------------------------------------
if ! node_ok; then
  if [ ! -f "$NODE_CACHE/.complete" ]; then
    log "installing the validator's node packages (npm ci) into $NODE_CACHE"
    rm -rf "$NODE_CACHE"; mkdir -p "$NODE_CACHE"
    cp "$NODE_DIR/package.json" "$NODE_DIR/package-lock.json" "$NODE_CACHE/"
    (cd "$NODE_CACHE" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$NODE_CACHE/.complete"
  fi
  rm -rf "$NODE_DIR/node_modules"
  ln -sfn "$NODE_CACHE/node_modules" "$NODE_DIR/node_modules"
fi
