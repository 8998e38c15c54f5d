#!/usr/bin/env bash
# Provisions what a real single-node Kubernetes needs beside the control plane of kube-apiserver.sh (which also
# builds kubelet, kube-scheduler and kube-proxy), so that tests run pods that really start:
#   * Debian's node packages: containerd (the CRI plugin is built in), runc, the CNI plugins (bridge, host-local,
#     loopback), dnsmasq (cluster DNS), docker-registry (a loopback image mirror, so imagePullPolicy Always really
#     pulls without the internet), iptables (the bridge guard), jq, and gcc/libc6-dev for the pause program;
#   * the pod sandbox image: eng/kube/pause/pause.c built with gcc -static into a one-layer docker-archive,
#     cached beside the binaries as images/pause.tar (no registry is reachable to pull the upstream one).
# Idempotent and well under a second when everything is there. Needs root only to install missing packages.
# Environment: ENGULA_KUBE_CACHE (as kube-apiserver.sh), ENGULA_SKIP_KUBE=1 or ENGULA_SKIP_KUBE_NODE=1 = do nothing.
set -euo pipefail

[ "${ENGULA_SKIP_KUBE:-}" = 1 ] && exit 0
[ "${ENGULA_SKIP_KUBE_NODE:-}" = 1 ] && exit 0

KUBE_VERSION=1.20.2
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${ENGULA_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engula/kube/$KUBE_VERSION}
IMAGES=$CACHE/images
APT_PACKAGES=(containerd runc containernetworking-plugins dnsmasq-base docker-registry iptables iproute2 jq gcc libc6-dev)
PAUSE_SRC=$REPO/eng/kube/pause/pause.c
PAUSE_KEY=$(sha256sum "$PAUSE_SRC" | cut -c1-16)

log() { echo "kube-node.sh: $*" >&2; }
# shellcheck source=lib/apt.sh
. "$REPO/eng/provision/lib/apt.sh"

packages_ok() { [ -z "$(missing_packages "${APT_PACKAGES[@]}")" ]; }
pause_ok() { [ -s "$IMAGES/pause.tar" ] && [ "$(cat "$IMAGES/pause.key" 2>/dev/null)" = "$PAUSE_KEY" ]; }

if packages_ok && pause_ok; then
  exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.node-lock"
flock 9

if ! packages_ok; then
  mapfile -t missing < <(missing_packages "${APT_PACKAGES[@]}")
  log "installing apt packages: ${missing[*]}"
  apt_install "${missing[@]}"
  # None of these packages starts a daemon here (no systemd); if one did, the node's own containerd, dnsmasq and
  # registry would still use their private sockets, ports and state directories.
fi

# docker_archive REF ROOTFS OUT.tar ENTRYPOINT_JSON: a one-layer image in the docker-archive format that
# `ctr images import` reads. Everything is written with fixed owners and times, so the digests are reproducible.
docker_archive() {
  local ref=$1 root=$2 out=$3 entrypoint=$4 t diff config
  t=$(mktemp -d)
  tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -C "$root" -cf "$t/layer.tar" .
  diff=$(sha256sum "$t/layer.tar" | cut -d' ' -f1)
  mkdir "$t/$diff"; mv "$t/layer.tar" "$t/$diff/layer.tar"
  printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Entrypoint":%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"eng/provision/kube-node.sh"}]}' \
    "$entrypoint" "$diff" > "$t/config.json"
  config=$(sha256sum "$t/config.json" | cut -d' ' -f1)
  mv "$t/config.json" "$t/$config.json"
  printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$config" "$ref" "$diff" > "$t/manifest.json"
  tar --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$t" -cf "$out.tmp" manifest.json "$config.json" "$diff"
  mv "$out.tmp" "$out"
  rm -rf "$t"
}

if ! pause_ok; then
  mkdir -p "$IMAGES"
  root=$(mktemp -d)
  gcc -Os -Wall -Werror -static -o "$root/pause" "$PAUSE_SRC"
  strip "$root/pause"
  docker_archive localhost/engula-test-pause:1 "$root" "$IMAGES/pause.tar" '["/pause"]'
  rm -rf "$root"
  echo "$PAUSE_KEY" > "$IMAGES/pause.key"
  log "pause image: $IMAGES/pause.tar"
fi
