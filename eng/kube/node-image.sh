#!/usr/bin/env bash
# Puts a container image into the node of eng/kube/start-kube-node.sh STATEDIR under one or more names, so that pods
# start it without the internet: imported into containerd's k8s.io namespace (imagePullPolicy IfNotPresent or Never)
# and pushed to the node's loopback mirror (imagePullPolicy Always: the kubelet really pulls, from the mirror,
# because every mirrored registry host is redirected there).
# Usage: eng/kube/node-image.sh STATEDIR IMAGE.tar NAME [NAME...] [--mirror-only]
#   IMAGE.tar  a docker-archive with one image (`podman save --format docker-archive`)
#   NAME       a full reference, e.g. ghcr.io/engula/engula:0.2.0
#   --mirror-only  push to the mirror but leave no local tag, so the first pod start must pull
set -euo pipefail
S=$(cd "${1:?usage: node-image.sh STATEDIR IMAGE.tar NAME...}" && pwd)
TAR=${2:?image tar}
shift 2
names=() mirror_only=0
for a in "$@"; do if [ "$a" = --mirror-only ]; then mirror_only=1; else names+=("$a"); fi; done
[ ${#names[@]} -gt 0 ] || { echo "node-image.sh: no NAME given" >&2; exit 2; }
CTR=(ctr --address "$S/containerd.sock" -n k8s.io)
PORT=$(cat "$S/mirror.port")
# Docker reference normalisation as containerd applies it: no registry host -> docker.io, no path -> library/.
normalise() {
  local r=$1
  case "${r%%/*}" in *.*|*:*|localhost) ;; *) r=docker.io/$r ;; esac
  case "$r" in */*/*) ;; docker.io/*) r=docker.io/library/${r#docker.io/} ;; esac
  echo "$r"
}
src=$(tar -xOf "$TAR" manifest.json 2>/dev/null | jq -r '.[0].RepoTags[0] // empty')
[ -n "$src" ] || { echo "node-image.sh: $TAR has no RepoTags (expected a docker-archive)" >&2; exit 1; }
src=$(normalise "$src")
"${CTR[@]}" images import "$TAR" >/dev/null
"${CTR[@]}" images ls -q | grep -cxF "$src" >/dev/null || { echo "node-image.sh: importing $TAR did not create $src" >&2; exit 1; }
for n in "${names[@]}"; do
  n=$(normalise "$n")
  [ "$n" = "$src" ] || "${CTR[@]}" images tag --force "$src" "$n" >/dev/null
  # <host>/<path>:<tag> is served by the mirror as <path>:<tag> (every mirrored host's hosts.toml points there).
  "${CTR[@]}" images push --plain-http "127.0.0.1:$PORT/${n#*/}" "$n" >/dev/null
  [ "$mirror_only" = 1 ] && [ "$n" != "$src" ] && "${CTR[@]}" images rm "$n" >/dev/null
  echo "$n"
done
[ "$mirror_only" = 1 ] && "${CTR[@]}" images rm "$src" >/dev/null 2>&1
exit 0
