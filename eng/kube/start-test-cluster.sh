#!/usr/bin/env bash
# Starts a throw-away Kubernetes 1.20 control plane on loopback for tests: etcd, kube-apiserver and
# kube-controller-manager (the StatefulSet controller creates Pods; garbage collection and namespace deletion
# work). There is no scheduler and no kubelet: Pods stay Pending unless a test patches their status.
#
# Usage: eng/kube/start-test-cluster.sh STATEDIR
#   Writes STATEDIR/kubeconfig (a static bearer token in system:masters, the CA of a throw-away PKI),
#   STATEDIR/{etcd,apiserver,kcm}.pid and .log, and prints `KUBECONFIG=STATEDIR/kubeconfig` on success.
#   Stop with eng/kube/stop-test-cluster.sh STATEDIR.
# Environment:
#   ENGULA_KUBE_BIN          directory with kube-apiserver and kube-controller-manager
#                            (default: the cache filled by eng/provision/kube-apiserver.sh)
#   ENGULA_KUBE_PARENT_PID   if set, a watchdog stops the cluster when that process exits (a test host that
#                            crashes must not leave etcd and the API server running)
#   ENGULA_KUBE_NO_KCM=1     do not start kube-controller-manager
#   ENGULA_KUBE_READY_TIMEOUT seconds to wait for /readyz (default 60)
#   ENGULA_KUBE_API_ADDRESS  the one address the API server binds and advertises (default 127.0.0.1). The node of
#                            eng/kube/start-kube-node.sh sets its bridge address, which the host and the node's pods
#                            both reach; nothing else on the machine's other interfaces can.
#   ENGULA_KUBE_API_SANS     extra subjectAltName entries of the serving certificate, e.g.
#                            IP:10.96.0.1,DNS:kubernetes.default.svc (the in-cluster `kubernetes` Service)
set -euo pipefail

S=${1:?usage: start-test-cluster.sh STATEDIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KUBE_VERSION=1.20.2
BIN=${ENGULA_KUBE_BIN:-${ENGULA_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engula/kube/$KUBE_VERSION}/bin}
READY_TIMEOUT=${ENGULA_KUBE_READY_TIMEOUT:-60}
API_ADDRESS=${ENGULA_KUBE_API_ADDRESS:-127.0.0.1}

fail() { echo "start-test-cluster.sh: $*" >&2; exit 1; }
for b in kube-apiserver kube-controller-manager; do
  [ -x "$BIN/$b" ] || fail "$BIN/$b is missing: run eng/provision/kube-apiserver.sh first"
done
for c in etcd openssl curl; do
  command -v "$c" >/dev/null || fail "$c is not installed: run eng/provision/kube-apiserver.sh first"
done

mkdir -p "$S"
S=$(cd "$S" && pwd)
P=$S/pki
mkdir -p "$P" "$S/etcd"
chmod 700 "$S/etcd"

# A free loopback port: nothing accepts a connection on it and no other start in this run took it. Ports are
# drawn at random from 20100-24399: outside the usual ephemeral range (32768-60999 on Linux), so that outgoing
# connections cannot take them between this check and the bind; below Engula's own ports (24567-25570 and the
# sample's); and apart from the ports the test processes reserve for their children (26000-31999).
# Sets the variable named $1 (not a command substitution: its subshell would lose `taken`).
taken=" "
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20100 + RANDOM % 4300 ))
    case "$taken" in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && ! (exec 3<>"/dev/tcp/$API_ADDRESS/$p") 2>/dev/null; then
      taken="$taken$p "
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  fail "no free port found"
}
free_port ETCD_PORT; free_port ETCD_PEER_PORT; free_port API_PORT

# Throw-away PKI: a CA, the API server's serving certificate for its address, the service-account key pair.
TOKEN=engula-test-$(openssl rand -hex 16)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/ca.key" -out "$P/ca.crt" -days 2 -subj /CN=engula-test-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$P/api.key" -out "$P/api.csr" -subj /CN=kube-apiserver 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost%s%s\n' "${API_ADDRESS:+,IP:$API_ADDRESS}" \
  "${ENGULA_KUBE_API_SANS:+,$ENGULA_KUBE_API_SANS}" > "$P/ext.cnf"
openssl x509 -req -in "$P/api.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -out "$P/api.crt" -days 2 \
  -extfile "$P/ext.cnf" 2>/dev/null
openssl genrsa -out "$P/sa.key" 2048 2>/dev/null
openssl rsa -in "$P/sa.key" -pubout -out "$P/sa.pub" 2>/dev/null
echo "$TOKEN,admin,admin,system:masters" > "$P/tokens.csv"
chmod 600 "$P"/*.key "$P/tokens.csv"

cat > "$S/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: engula-test
  cluster:
    server: https://$API_ADDRESS:$API_PORT
    certificate-authority: $P/ca.crt
users:
- name: admin
  user:
    token: $TOKEN
contexts:
- name: engula-test
  context:
    cluster: engula-test
    user: admin
current-context: engula-test
KC
chmod 600 "$S/kubeconfig"

# If anything below fails, stop what was started so far.
trap 'status=$?; if [ $status -ne 0 ]; then "$HERE/stop-test-cluster.sh" "$S" >/dev/null 2>&1 || true; fi' EXIT

# Children get no stdin/stdout of ours: a caller that reads this script's output to the end must not wait
# for etcd or the API server to exit.
etcd --name engula-test --data-dir "$S/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "engula-test=http://127.0.0.1:$ETCD_PEER_PORT" \
  </dev/null >"$S/etcd.log" 2>&1 &
echo $! > "$S/etcd.pid"

"$BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address="$API_ADDRESS" --advertise-address="$API_ADDRESS" --secure-port="$API_PORT" --insecure-port=0 \
  --tls-cert-file="$P/api.crt" --tls-private-key-file="$P/api.key" --client-ca-file="$P/ca.crt" \
  --token-auth-file="$P/tokens.csv" --authorization-mode=RBAC \
  --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$P/sa.pub" \
  --service-account-signing-key-file="$P/sa.key" --service-cluster-ip-range=10.96.0.0/24 \
  --cert-dir="$S/certs" --enable-priority-and-fairness=false \
  </dev/null >"$S/apiserver.log" 2>&1 &
echo $! > "$S/apiserver.pid"

readyz() { curl -s -m 2 --cacert "$P/ca.crt" -H "Authorization: Bearer $TOKEN" "https://$API_ADDRESS:$API_PORT/readyz" 2>/dev/null; }
deadline=$(( $(date +%s) + READY_TIMEOUT ))
until [ "$(readyz)" = ok ]; do
  kill -0 "$(cat "$S/apiserver.pid")" 2>/dev/null || { tail -20 "$S/apiserver.log" >&2; fail "kube-apiserver exited"; }
  kill -0 "$(cat "$S/etcd.pid")" 2>/dev/null || { tail -20 "$S/etcd.log" >&2; fail "etcd exited"; }
  [ "$(date +%s)" -lt "$deadline" ] || { tail -20 "$S/apiserver.log" >&2; fail "/readyz not ok after ${READY_TIMEOUT}s"; }
  sleep 0.2
done

if [ "${ENGULA_KUBE_NO_KCM:-}" != 1 ]; then
  "$BIN/kube-controller-manager" --kubeconfig="$S/kubeconfig" --leader-elect=false --port=0 \
    --bind-address=127.0.0.1 --secure-port=0 --service-account-private-key-file="$P/sa.key" \
    --root-ca-file="$P/ca.crt" --controllers='*' \
    </dev/null >"$S/kcm.log" 2>&1 &
  echo $! > "$S/kcm.pid"
fi

if [ -n "${ENGULA_KUBE_PARENT_PID:-}" ]; then
  # Watchdog: stops the cluster when the parent (the test host) is gone, even if it never called stop.
  # setsid: it must outlive this script and not share its process group.
  setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -f "$2/apiserver.pid" ]; do sleep 1; done; "$3/stop-test-cluster.sh" "$2"' \
    watchdog "$ENGULA_KUBE_PARENT_PID" "$S" "$HERE" </dev/null >"$S/watchdog.log" 2>&1 &
  echo $! > "$S/watchdog.pid"
fi

echo "KUBECONFIG=$S/kubeconfig"
