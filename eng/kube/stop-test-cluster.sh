#!/usr/bin/env bash
# Stops a control plane started by eng/kube/start-test-cluster.sh STATEDIR, in the order
# kube-controller-manager -> kube-apiserver -> etcd (stopping etcd first leaves the API server hanging on its
# storage), each with SIGTERM and, after a grace period, SIGKILL. Idempotent.
#
# Usage: eng/kube/stop-test-cluster.sh STATEDIR [--delete]   (--delete also removes STATEDIR)
set -uo pipefail

S=${1:?usage: stop-test-cluster.sh STATEDIR [--delete]}
GRACE=${ENGULA_KUBE_STOP_GRACE:-10}

# Only a pid that still runs the program we started is signalled: a stale pid file must not make us kill
# an unrelated process that reused the number.
stop() {
  local name=$1 program=$2 pidfile=$S/$1.pid pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q "$program" "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 $((GRACE * 10))); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && { echo "stop-test-cluster.sh: $name did not stop in ${GRACE}s, killing" >&2; kill -KILL "$pid" 2>/dev/null; }
  fi
  rm -f "$pidfile"
}

stop kcm kube-controller-manager
stop apiserver kube-apiserver
stop etcd etcd
# The watchdog ends by itself once apiserver.pid is gone; stop it anyway when called by the test host.
if [ -f "$S/watchdog.pid" ]; then
  wpid=$(cat "$S/watchdog.pid")
  if [ "$wpid" != "$PPID" ] && [ "$wpid" != "$$" ] && grep -q watchdog "/proc/$wpid/cmdline" 2>/dev/null; then
    kill -TERM "$wpid" 2>/dev/null
  fi
  rm -f "$S/watchdog.pid"
fi

if [ "${2:-}" = --delete ]; then
  rm -rf "$S"
fi
exit 0
