#!/usr/bin/env bash
# Makes the base image the project's container images are built on where no registry is reachable: Debian bookworm
# from Debian's own mirror with debootstrap (minbase), plus what Microsoft's runtime-deps image also ships and the
# .NET runtime needs at run time — libssl3 (TLS: the operator's Kubernetes client, the service-account CA) and
# ca-certificates. Without libssl3 the operator dies in a pod with "No usable version of libssl was found".
# Cached as a tar outside the clone, keyed by the package list; imported into podman once.
# Usage: eng/image/base.sh   (root; installs podman, runc and debootstrap with apt when missing). Prints the tag.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CONTAINERS_CONF="$PWD/eng/image/containers.conf"

INCLUDE=libssl3,ca-certificates
KEY=$(printf 'bookworm minbase %s' "$INCLUDE" | sha256sum | cut -c1-12)
TAG=localhost/engula-base:bookworm-$KEY

need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null 2>&1 || {
    apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null; }
fi

cache="${ENGULA_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engula/image}"
base_tar="$cache/bookworm-minbase-$KEY.tar"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ ! -s "$base_tar" ]; then
  root=$(mktemp -d)
  echo "== debootstrap bookworm minbase + $INCLUDE (once; cached in $cache)" >&2
  debootstrap --variant=minbase --include="$INCLUDE" bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/dev/null
  # No apt caches or lists in the image.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -cf "$base_tar.tmp" . && mv "$base_tar.tmp" "$base_tar"
  rm -rf "$root"
fi
podman image exists "$TAG" || podman import "$base_tar" "$TAG" >/dev/null
echo "$TAG"
