#!/usr/bin/env bash
# Stops a node started by eng/kube/start-kube-node.sh STATEDIR, by PID and in order: kubelet, kube-proxy (and its
# iptables chains), scheduler, DNS, mirror; then every pod's containers and sandboxes (containerd keeps them running
# after the kubelet stops: their shims are not its children), their network namespaces and mounts; containerd; the
# bridge and its FORWARD guard; the control plane; and puts back the sysctls kubelet and kube-proxy changed.
# Idempotent. Usage: eng/kube/stop-kube-node.sh STATEDIR [--delete]   (--delete also removes STATEDIR and the
# container logs this node added under /var/log/pods)
set -uo pipefail

S=$(cd "${1:?usage: stop-kube-node.sh STATEDIR [--delete]}" 2>/dev/null && pwd) || { echo "stop-kube-node.sh: no state directory $1" >&2; exit 0; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BR=kn0
MARKER=/run/engula-kube-node

# Alive = exists and is not a zombie: processes left by a script are reparented to PID 1, which may reap late.
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# Signals a recorded PID only while it still runs the program we started (a stale pid file must not make us kill
# an unrelated process that reused the number).
stop() {
  local name=$1 program=$2 f=$S/$1.pid p
  [ -f "$f" ] || return 0
  p=$(cat "$f")
  if [ -n "$p" ] && alive "$p" && grep -q "$program" "/proc/$p/cmdline" 2>/dev/null; then
    kill -TERM "$p" 2>/dev/null
    for _ in $(seq 1 100); do alive "$p" || break; sleep 0.1; done
    alive "$p" && kill -KILL "$p" 2>/dev/null
  fi
  rm -f "$f"
}

# The watchdog first (unless it is the caller), so that it does not start a second stop.
if [ -f "$S/watchdog.pid" ]; then
  w=$(cat "$S/watchdog.pid")
  if [ "$w" != "$PPID" ] && [ "$w" != "$$" ] && grep -q watchdog "/proc/$w/cmdline" 2>/dev/null; then kill -TERM "$w" 2>/dev/null; fi
  rm -f "$S/watchdog.pid"
fi
stop kubelet kubelet
stop kube-proxy kube-proxy
KP=${ENGULA_KUBE_BIN:-${ENGULA_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engula/kube/1.20.2}/bin}/kube-proxy
if [ -f "$S/kube-proxy.log" ] && [ -x "$KP" ]; then
  "$KP" --cleanup >/dev/null 2>&1
  # --cleanup leaves its canary chains and the unreferenced KUBE-MARK-* chains.
  for t in nat filter mangle; do for c in KUBE-PROXY-CANARY KUBE-MARK-MASQ KUBE-MARK-DROP; do
    iptables -t $t -F $c 2>/dev/null && iptables -t $t -X $c 2>/dev/null; done; done
fi
stop scheduler kube-scheduler
stop dns-hosts kube-dns-hosts
stop dnsmasq dnsmasq
stop registry docker-registry

CTR=(ctr --address "$S/containerd.sock" -n k8s.io)
netns=()
if [ -f "$S/containerd.pid" ] && alive "$(cat "$S/containerd.pid")"; then
  for id in $("${CTR[@]}" containers ls -q 2>/dev/null); do
    n=$("${CTR[@]}" containers info "$id" 2>/dev/null | jq -r '.Spec.linux.namespaces[]? | select(.type == "network") | .path // empty' 2>/dev/null)
    [ -n "$n" ] && netns+=("$n")
  done
  for id in $("${CTR[@]}" tasks ls -q 2>/dev/null); do "${CTR[@]}" tasks kill -s SIGKILL "$id" >/dev/null 2>&1; done
  for _ in $(seq 1 50); do "${CTR[@]}" tasks ls 2>/dev/null | grep -c RUNNING >/dev/null || break; sleep 0.1; done
  for id in $("${CTR[@]}" tasks ls -q 2>/dev/null); do "${CTR[@]}" tasks delete -f "$id" >/dev/null 2>&1; done
  for id in $("${CTR[@]}" containers ls -q 2>/dev/null); do "${CTR[@]}" containers delete "$id" >/dev/null 2>&1; done
fi
# The sandboxes' network namespaces (/run/netns/cni-*); deleting one removes its veth from the bridge.
for n in "${netns[@]}"; do [ -e "$n" ] && ip netns delete "$(basename "$n")" 2>/dev/null; done
stop containerd containerd
# Mounts left under STATEDIR (sandbox shm, secret and projected tmpfs volumes, overlay roots), deepest first.
for _ in 1 2 3; do
  awk -v s="$S/" 'index($2, s) == 1 {print $2}' /proc/self/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
done
if [ -f "$S/iptables-guard" ]; then
  ip link show "$BR" >/dev/null 2>&1 && ip link delete "$BR"
  for rule in "-i $BR ! -o $BR -j DROP" "-o $BR ! -i $BR -j DROP"; do while iptables -D FORWARD $rule 2>/dev/null; do :; done; done
  rm -f "$S/iptables-guard"
fi
# A throw-away control plane: its API server may wait out long requests on SIGTERM; 3 s, then SIGKILL, is plenty.
[ -d "$S/cp" ] && ENGULA_KUBE_STOP_GRACE=${ENGULA_KUBE_STOP_GRACE:-3} bash "$HERE/stop-test-cluster.sh" "$S/cp"
if [ -f "$S/sysctl.orig" ]; then
  while read -r k v; do echo "$v" > "/proc/sys/$k" 2>/dev/null; done < "$S/sysctl.orig"
  rm -f "$S/sysctl.orig"
fi
[ "$(cat "$MARKER" 2>/dev/null)" = "$S" ] && rm -f "$MARKER"

if [ "${2:-}" = --delete ]; then
  # ENGULA_KUBE_KEEP_LOGS=DIR keeps the node's own logs (kubelet, containerd, kube-proxy, …) for a post-mortem.
  if [ -n "${ENGULA_KUBE_KEEP_LOGS:-}" ]; then
    mkdir -p "$ENGULA_KUBE_KEEP_LOGS" && cp "$S"/*.log "$ENGULA_KUBE_KEEP_LOGS"/ 2>/dev/null || true
  fi
  # kubelet 1.20 writes container logs under /var/log/pods (a fixed path): remove what this node added.
  for d in $(ls /var/log/pods 2>/dev/null); do grep -qxF "$d" "$S/var-log-pods.before" 2>/dev/null || rm -rf "/var/log/pods/$d"; done
  find /var/log/containers -maxdepth 1 -xtype l -delete 2>/dev/null
  rm -rf "$S"
fi
echo "node stopped" >&2
exit 0
