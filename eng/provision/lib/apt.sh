# Sourced by the provisioning scripts (not run by ./test.sh, which runs eng/provision/*.sh only).
# missing_packages PKG...  prints the packages dpkg does not have installed, one per line
# apt_install PKG...       installs them (as root, or through sudo), waiting for another job's dpkg lock, and runs
#                          `apt-get update` only when the install fails without it (the lists may be stale or absent)

missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -c "install ok installed" >/dev/null || echo "$p"
  done
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "needs root to run: $*" >&2; return 1; fi
}

apt_install() {
  [ $# -gt 0 ] || return 0
  local lock=(-o DPkg::Lock::Timeout=600)
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get "${lock[@]}" install -y --no-install-recommends "$@" >/dev/null 2>&1; then
    as_root apt-get "${lock[@]}" update >/dev/null
    as_root apt-get "${lock[@]}" install -y --no-install-recommends "$@" >/dev/null
  fi
}
