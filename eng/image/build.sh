#!/usr/bin/env bash
# Builds the engula container image: publishes Engula.Server self-contained as one file and builds
# deploy/image/Containerfile around it.
# Usage: eng/image/build.sh [--tag IMAGE:TAG] [--base BASE_IMAGE] [--engine podman|docker] [--context-only]
set -euo pipefail
cd "$(dirname "$0")/../.."

tag="engula:dev"
base=""
engine="${CONTAINER_ENGINE:-}"
context_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag="$2"; shift 2 ;;
    --base) base="$2"; shift 2 ;;
    --engine) engine="$2"; shift 2 ;;
    --context-only) context_only=1; shift ;;
    *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

context=.artifacts/image/context
rm -rf "$context"
mkdir -p "$context"
dotnet publish Engula.Server/Engula.Server.csproj -c Release -r linux-x64 --self-contained \
  -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:DebugType=none \
  -o .artifacts/image/publish -nologo -clp:ErrorsOnly
cp .artifacts/image/publish/engula "$context/engula"
cp deploy/image/Containerfile "$context/Containerfile"
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
