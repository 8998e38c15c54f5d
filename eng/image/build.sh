#!/usr/bin/env bash
# Builds the engula container image: publishes Engula.Server self-contained as one file and builds
# deploy/image/Containerfile around it. With --operator, the engula-operator image instead (Engula.Operator,
# deploy/image/Containerfile.operator; the install manifests name ghcr.io/engula/engula-operator:0.2.0).
# Usage: eng/image/build.sh [--operator] [--tag IMAGE:TAG] [--base BASE_IMAGE] [--engine podman|docker] [--context-only]
set -euo pipefail
cd "$(dirname "$0")/../.."

tag=""
operator=0
base=""
engine="${CONTAINER_ENGINE:-}"
context_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --operator) operator=1; shift ;;
    --tag) tag="$2"; shift 2 ;;
    --base) base="$2"; shift 2 ;;
    --engine) engine="$2"; shift 2 ;;
    --context-only) context_only=1; shift ;;
    *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ "$operator" -eq 1 ]; then
  project=Engula.Operator/Engula.Operator.csproj binary=engula-operator containerfile=deploy/image/Containerfile.operator
  tag=${tag:-engula-operator:dev}
else
  project=Engula.Server/Engula.Server.csproj binary=engula containerfile=deploy/image/Containerfile
  tag=${tag:-engula:dev}
fi
context=.artifacts/image/context-$binary
publish=.artifacts/image/publish-$binary
rm -rf "$context"
mkdir -p "$context"
# The same publish profile as the AppHost's image build step (Engula.Hosting), so both make the same binary.
dotnet publish "$project" -c Release -p:PublishProfileFullPath="$PWD/eng/image/Image.pubxml" \
  -o "$publish" -nologo -clp:ErrorsOnly
cp "$publish/$binary" "$context/$binary"
cp "$containerfile" "$context/Containerfile"
echo "build context: $context"
[ "$context_only" -eq 1 ] && exit 0

if [ -z "$engine" ]; then
  if command -v podman >/dev/null; then engine=podman; elif command -v docker >/dev/null; then engine=docker; else
    echo "build.sh: neither podman nor docker found (use --context-only to stop after publishing)" >&2; exit 1
  fi
fi
args=(build -t "$tag" -f "$context/Containerfile")
[ -n "$base" ] && args+=(--build-arg "BASE=$base")
"$engine" "${args[@]}" "$context"
echo "built $tag"
