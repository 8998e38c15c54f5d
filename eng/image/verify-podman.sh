#!/usr/bin/env bash
# Verifies the engula image here, with podman and no registry: builds a Debian bookworm base image locally
# (eng/image/base.sh: debootstrap, cached outside the clone), builds the image on it, runs `engula --version` and a journal inside it,
# and checks the journal's gRPC health from the host with `engula health`; then the engula-operator image
# (`--version`, `--help`, its non-root uid).
# Usage: eng/image/verify-podman.sh   (root; installs podman, runc, debootstrap with apt when missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CONTAINERS_CONF="$PWD/eng/image/containers.conf"

base=$(eng/image/base.sh)

eng/image/build.sh --engine podman --base "$base" --tag localhost/engula:verify

echo "== engula --version inside the image"
version=$(podman run --rm localhost/engula:verify --version)
echo "$version"
[[ "$version" =~ ^engula\ [0-9]+\.[0-9]+\.[0-9]+ ]] || { echo "unexpected version output: $version" >&2; exit 1; }
user=$(podman run --rm --entrypoint /usr/bin/id localhost/engula:verify -u)
[ "$user" = "10001" ] || { echo "image runs as uid $user, expected 10001" >&2; exit 1; }

echo "== a journal inside the image"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
name="engula-verify-$$"
podman run -d --rm --name "$name" --network host localhost/engula:verify journal run "127.0.0.1:$port" --mem >/dev/null
trap 'podman rm -f "$name" >/dev/null 2>&1 || true' EXIT
ok=0
for _ in $(seq 1 100); do
  if .artifacts/image/publish-engula/engula health "127.0.0.1:$port" --timeout 1 >/dev/null 2>&1; then ok=1; break; fi
  sleep 0.2
done
[ "$ok" -eq 1 ] || { podman logs "$name" >&2 || true; echo "journal in the image never reported SERVING" >&2; exit 1; }
echo "journal in the image: SERVING"

echo "== the operator image"
eng/image/build.sh --operator --engine podman --base "$base" --tag localhost/engula-operator:verify
version=$(podman run --rm localhost/engula-operator:verify --version)
echo "engula-operator $version"
[[ "$version" =~ ^0\.2\.0 ]] || { echo "unexpected operator version output: $version" >&2; exit 1; }
help=$(podman run --rm localhost/engula-operator:verify --help)
[[ "$help" == *--kubeconfig* ]] || { echo "operator --help lacks --kubeconfig: $help" >&2; exit 1; }
user=$(podman run --rm --entrypoint /usr/bin/id localhost/engula-operator:verify -u)
[ "$user" = "65532" ] || { echo "operator image runs as uid $user, expected 65532 (deploy/operator/operator.yaml)" >&2; exit 1; }
echo "images verified"
