#!/usr/bin/env bash
# Starts a throw-away single-node Kubernetes 1.20.2 on this machine whose pods really run: the control plane of
# start-test-cluster.sh (bound to the node's bridge address), then containerd + runc, a CNI bridge, cluster DNS
# (dnsmasq fed from the API by kube-dns-hosts.py), a loopback image mirror, kube-scheduler, kubelet, kube-proxy
# (only for the `kubernetes` Service, so that in-cluster clients such as the operator reach the API) and local
# PersistentVolumes. No Docker, no kind, no internet. Binaries and packages: eng/provision/kube-*.sh.
#
# Usage: eng/kube/start-kube-node.sh STATEDIR     (root)
#   Keep STATEDIR short (unix socket paths live in it). Writes STATEDIR/kubeconfig (admin), STATEDIR/*.pid and *.log,
#   STATEDIR/cp (the control plane's own state) and prints `KUBECONFIG=STATEDIR/kubeconfig` when the node is Ready.
#   Stop with eng/kube/stop-kube-node.sh STATEDIR [--delete]; eng/kube/node-image.sh puts images into the node.
# Environment:
#   ENGULA_KUBE_PARENT_PID  a watchdog stops node and control plane when that process exits (a crashed test host)
#   ENGULA_NODE_PVS         local PersistentVolumes to create (default 24; StorageClass `local`, the default class)
#   ENGULA_NODE_MIRROR_HOSTS registries whose pulls go to the loopback mirror (default below)
#   ENGULA_KUBE_BIN         binaries (default: the cache of eng/provision/kube-apiserver.sh)
#
# Network rules (enforced here, checked by the tests): pod traffic stays on the node's bridge. Pods get no default
# route (only the pod /24 and the service /24 via the node address); two FORWARD rules drop anything routed
# between the bridge and any other interface, whatever else set ip_forward; no NAT; dnsmasq has no upstream and
# answers only cluster.local; the kubelet runs with AWS_EC2_METADATA_DISABLED=true (its built-in ECR credential
# provider otherwise asks a metadata address off the machine). Every listener is on loopback or the bridge address.
set -euo pipefail

S=${1:?usage: start-kube-node.sh STATEDIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KUBE_VERSION=1.20.2
CACHE=${ENGULA_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/engula/kube/$KUBE_VERSION}
BIN=${ENGULA_KUBE_BIN:-$CACHE/bin}
PAUSE_TAR=$CACHE/images/pause.tar
PAUSE=localhost/engula-test-pause:1
# The node's fixed addresses: one node per machine (the bridge name and subnet are the machine's).
BR=kn0 NODE_IP=10.244.0.1 POD_SUBNET=10.244.0.0/24 SERVICE_CIDR=10.96.0.0/24 API_SERVICE_IP=10.96.0.1
MIRROR_HOSTS=${ENGULA_NODE_MIRROR_HOSTS:-ghcr.io docker.io uhub.service.ucloud.cn registry.k8s.io k8s.gcr.io quay.io}
PVS=${ENGULA_NODE_PVS:-24}
MARKER=/run/engula-kube-node

fail() { echo "start-kube-node.sh: $*" >&2; exit 1; }
lap() { echo "start-kube-node.sh: $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N)-$T0}") s: $*" >&2; }
T0=$(date +%s.%N)

[ "$(id -u)" = 0 ] || fail "must run as root (it creates a bridge, network namespaces and cgroups)"
for b in kube-apiserver kube-controller-manager kubelet kube-scheduler kube-proxy; do
  [ -x "$BIN/$b" ] || fail "$BIN/$b is missing: run eng/provision/kube-apiserver.sh first"
done
for c in containerd containerd-shim-runc-v2 ctr runc dnsmasq docker-registry iptables ip jq curl python3; do
  command -v "$c" >/dev/null || fail "$c is not installed: run eng/provision/kube-node.sh first"
done
[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] || fail "CNI plugins missing: run eng/provision/kube-node.sh"
[ -s "$PAUSE_TAR" ] || fail "$PAUSE_TAR is missing: run eng/provision/kube-node.sh"
if [ -f "$MARKER" ]; then
  other=$(cat "$MARKER")
  [ -d "$other" ] && fail "a node already runs on this machine (state in $other; stop it with eng/kube/stop-kube-node.sh $other)"
  rm -f "$MARKER"
fi
ip link show "$BR" >/dev/null 2>&1 && fail "bridge $BR exists but no node is recorded: remove it (ip link delete $BR) first"

mkdir -p "$S"
S=$(cd "$S" && pwd)
echo "$S" > "$MARKER"
mkdir -p "$S/cni/net.d" "$S/cni/ipam" "$S/containerd" "$S/kubelet" "$S/dns" "$S/certs.d" "$S/pv"
ls /var/log/pods 2>/dev/null > "$S/var-log-pods.before" || true
# If anything below fails, take down what was started so far.
trap 'status=$?; if [ $status -ne 0 ]; then "$HERE/stop-kube-node.sh" "$S" >/dev/null 2>&1 || true; fi' EXIT

# Sysctls that kubelet (vm.*, kernel.*) and kube-proxy (route_localnet) rewrite; stop-kube-node.sh puts them back.
for k in vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys \
         kernel/keys/root_maxbytes net/ipv4/conf/all/route_localnet; do
  [ -f "/proc/sys/$k" ] && echo "$k $(cat "/proc/sys/$k")" >> "$S/sysctl.orig"
done

# 1. The pod bridge, with the node's address on it. The CNI bridge plugin runs with isGateway=false: with true it
#    would also switch on ip_forward for the whole machine.
ip link add "$BR" type bridge
ip addr add "$NODE_IP/${POD_SUBNET#*/}" dev "$BR"
ip link set "$BR" up
for rule in "-i $BR ! -o $BR -j DROP" "-o $BR ! -i $BR -j DROP"; do
  iptables -C FORWARD $rule 2>/dev/null || iptables -I FORWARD 1 $rule
done
echo "$BR" > "$S/iptables-guard"
cat > "$S/cni/net.d/10-engula-node.conflist" <<EOF
{"cniVersion": "0.4.0", "name": "engula-node", "plugins": [
  {"type": "bridge", "bridge": "$BR", "isGateway": false, "ipMasq": false, "hairpinMode": false,
   "ipam": {"type": "host-local", "dataDir": "$S/cni/ipam",
            "ranges": [[{"subnet": "$POD_SUBNET", "gateway": "$NODE_IP"}]],
            "routes": [{"dst": "$SERVICE_CIDR", "gw": "$NODE_IP"}]}}]}
EOF

# 2. The control plane, bound to the bridge address only: the host reaches it there (a local address), pods reach it
#    through the `kubernetes` Service (10.96.0.1:443, kube-proxy DNATs it to this endpoint), nothing else can.
ENGULA_KUBE_API_ADDRESS=$NODE_IP \
ENGULA_KUBE_API_SANS=IP:$API_SERVICE_IP,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local \
ENGULA_KUBE_BIN=$BIN ENGULA_KUBE_PARENT_PID= \
  bash "$HERE/start-test-cluster.sh" "$S/cp" >/dev/null
KC=$S/cp/kubeconfig
cp "$KC" "$S/kubeconfig"
TOKEN=$(cut -d, -f1 "$S/cp/pki/tokens.csv")
SERVER=$(sed -n 's/^ *server: *//p' "$KC")
CA=$S/cp/pki/ca.crt
# api METHOD PATH [BODY]: one API request as the admin (kubectl is not needed on the machine).
api() { curl -sS -m 10 --cacert "$CA" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -X "$1" "$SERVER$2" ${3:+--data-binary "$3"}; }
lap "control plane ready on $SERVER"

# 3. containerd with its CRI plugin, private root, state and socket (it never meets another containerd or podman).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MIRROR_PORT=$(free_port)
echo "$MIRROR_PORT" > "$S/mirror.port"
for h in $MIRROR_HOSTS; do
  mkdir -p "$S/certs.d/$h"
  # `server` = the mirror too: a pull never falls back to the real registry.
  printf 'server = "http://127.0.0.1:%s"\n[host."http://127.0.0.1:%s"]\n  capabilities = ["pull", "resolve"]\n' \
    "$MIRROR_PORT" "$MIRROR_PORT" > "$S/certs.d/$h/hosts.toml"
done
# The mirror under its own address too (plain HTTP), for images pushed there by name, e.g. by `aspire deploy` with
# --Engula:Registry=127.0.0.1:<port> (a digest-pinned 127.0.0.1:<port>/engula:<tag>@sha256:…).
mkdir -p "$S/certs.d/127.0.0.1:$MIRROR_PORT"
printf 'server = "http://127.0.0.1:%s"\n[host."http://127.0.0.1:%s"]\n  capabilities = ["pull", "resolve"]\n' \
  "$MIRROR_PORT" "$MIRROR_PORT" > "$S/certs.d/127.0.0.1:$MIRROR_PORT/hosts.toml"
cat > "$S/containerd/config.toml" <<EOF
version = 2
root = "$S/containerd/root"
state = "$S/containerd/state"
[grpc]
  address = "$S/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$S/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE"
  disable_apparmor = true
  # Root on these machines lacks CAP_SYS_RESOURCE, so a negative oom_score_adj (the sandbox's -998) makes runc fail
  # with "can't get final child's PID from pipe: EOF"; restricting keeps every container at or above containerd's own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        BinaryName = "$(command -v runc)"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$S/cni/net.d"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$S/certs.d"
EOF
containerd --config "$S/containerd/config.toml" </dev/null >"$S/containerd.log" 2>&1 &
echo $! > "$S/containerd.pid"
CTR=(ctr --address "$S/containerd.sock" -n k8s.io)
for _ in $(seq 1 150); do "${CTR[@]}" version >/dev/null 2>&1 && break; sleep 0.1; done
"${CTR[@]}" version >/dev/null 2>&1 || { tail -20 "$S/containerd.log" >&2; fail "containerd did not answer"; }
"${CTR[@]}" images import "$PAUSE_TAR" >/dev/null
"${CTR[@]}" images ls -q | grep -cxF "$PAUSE" >/dev/null || fail "$PAUSE was not imported"
lap "containerd up"

# 4. The image mirror on loopback (eng/kube/node-image.sh pushes there; imagePullPolicy Always pulls from it).
printf 'version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: %s}, delete: {enabled: true}}\nhttp: {addr: "127.0.0.1:%s"}\n' \
  "$S/registry" "$MIRROR_PORT" > "$S/registry.yml"
docker-registry serve "$S/registry.yml" </dev/null >"$S/registry.log" 2>&1 &
echo $! > "$S/registry.pid"

# 5. Cluster DNS on the node address, answered only from the hosts file that kube-dns-hosts.py keeps in step with
#    the API: no upstream, nothing forwarded, names outside cluster.local are refused. --user=root: dnsmasq would
#    otherwise drop to nobody and fail to read a hosts file under a 0700 state directory.
: > "$S/dns/hosts"
chmod 644 "$S/dns/hosts"
dnsmasq --keep-in-foreground --user=root --conf-file=/dev/null --no-resolv --no-hosts --no-poll --bind-interfaces \
  --listen-address="$NODE_IP" --addn-hosts="$S/dns/hosts" --local=/cluster.local/ \
  --domain-needed --bogus-priv --no-negcache --local-ttl=1 --log-facility="$S/dnsmasq.log" \
  </dev/null >>"$S/dnsmasq.log" 2>&1 &
echo $! > "$S/dnsmasq.pid"
python3 "$HERE/kube-dns-hosts.py" --server "$SERVER" --token-file "$S/cp/pki/tokens.csv" --ca "$CA" \
  --hosts "$S/dns/hosts" --dnsmasq-pid "$S/dnsmasq.pid" </dev/null >"$S/dns-hosts.log" 2>&1 &
echo $! > "$S/dns-hosts.pid"

# 6. Scheduler and kubelet.
"$BIN/kube-scheduler" --kubeconfig="$KC" --leader-elect=false --port=0 --secure-port=0 \
  </dev/null >"$S/scheduler.log" 2>&1 &
echo $! > "$S/scheduler.pid"
cat > "$S/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# Loopback only. The API server reaches it by the node's Hostname address (this machine's name maps to 127.0.0.1);
# pods cannot reach it at all, so its anonymous access (the test API server has no kubelet client certificate;
# logs, exec and port-forward go through it) is confined to this machine.
address: 127.0.0.1
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
failSwapOn: false
clusterDNS: ["$NODE_IP"]
clusterDomain: cluster.local
makeIPTablesUtilChains: false
volumePluginDir: $S/kubelet/volume-plugins
serializeImagePulls: false
# Status every 2 s instead of 10 s: the node turns Ready ~8 s sooner after a start.
nodeStatusUpdateFrequency: 2s
EOF
NODE=$(hostname | tr '[:upper:]' '[:lower:]')
getent hosts "$NODE" | grep -c '^127\.' >/dev/null || fail "this machine's name $NODE does not resolve to a loopback address (/etc/hosts): the API server could not reach the loopback-only kubelet"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
AWS_EC2_METADATA_DISABLED=true "$BIN/kubelet" --config="$S/kubelet/config.yaml" --kubeconfig="$KC" \
  --root-dir="$S/kubelet" --cert-dir="$S/kubelet/pki" --node-ip="$NODE_IP" \
  --container-runtime=remote --container-runtime-endpoint="unix://$S/containerd.sock" \
  </dev/null >"$S/kubelet.log" 2>&1 &
echo $! > "$S/kubelet.pid"
# Ready as reported by THIS kubelet: a Node object left by an earlier run still says Ready until it times out.
# (Until the kubelet registers, the answer is a 404 Status whose .status is a string.)
ready() { api GET "/api/v1/nodes/$NODE" 2>/dev/null | jq -e --arg since "$started" \
  '.status | objects | .conditions[]? | select(.type == "Ready" and .status == "True" and .lastHeartbeatTime >= $since)' >/dev/null 2>&1; }
deadline=$(( $(date +%s) + 90 ))
until ready; do
  kill -0 "$(cat "$S/kubelet.pid")" 2>/dev/null || { tail -30 "$S/kubelet.log" >&2; fail "kubelet exited"; }
  [ "$(date +%s)" -lt "$deadline" ] || { tail -30 "$S/kubelet.log" >&2; fail "node $NODE not Ready within 90 s"; }
  sleep 0.25
done
echo "$NODE" > "$S/node.name"
lap "node $NODE Ready"

# 7. kube-proxy, for the `kubernetes` Service only in practice (every Engula Service is headless). NodePorts only on
#    loopback; conntrack sysctls left alone.
"$BIN/kube-proxy" --kubeconfig="$KC" --proxy-mode=iptables --cluster-cidr="$POD_SUBNET" --hostname-override="$NODE" \
  --bind-address="$NODE_IP" --healthz-bind-address=127.0.0.1:10256 --metrics-bind-address=127.0.0.1:10249 \
  --nodeport-addresses=127.0.0.1/32 --conntrack-max-per-core=0 --conntrack-tcp-timeout-established=0 \
  --conntrack-tcp-timeout-close-wait=0 --oom-score-adj=0 </dev/null >"$S/kube-proxy.log" 2>&1 &
echo $! > "$S/kube-proxy.pid"
for _ in $(seq 1 150); do iptables -t nat -S KUBE-SERVICES 2>/dev/null | grep -c 'default/kubernetes:https' >/dev/null && break; sleep 0.2; done
iptables -t nat -S KUBE-SERVICES 2>/dev/null | grep -c 'default/kubernetes:https' >/dev/null \
  || { tail -20 "$S/kube-proxy.log" >&2; fail "kube-proxy wrote no rule for the kubernetes Service"; }
# kube-proxy put its KUBE-FORWARD jump first; the bridge guard goes back on top.
for rule in "-i $BR ! -o $BR -j DROP" "-o $BR ! -i $BR -j DROP"; do
  iptables -D FORWARD $rule 2>/dev/null; iptables -I FORWARD 1 $rule
done
lap "kube-proxy up"

# 8. Storage: local PersistentVolumes (kubelet applies fsGroup to them, so the non-root pods can write) behind a
#    default StorageClass that binds when the pod is scheduled.
api POST /apis/storage.k8s.io/v1/storageclasses '{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass",
  "metadata":{"name":"local","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},
  "provisioner":"kubernetes.io/no-provisioner","volumeBindingMode":"WaitForFirstConsumer","reclaimPolicy":"Delete"}' >/dev/null
for i in $(seq 1 "$PVS"); do
  mkdir -p "$S/pv/$i"
  api POST /api/v1/persistentvolumes "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolume\",
    \"metadata\":{\"name\":\"local-$i\"},\"spec\":{\"capacity\":{\"storage\":\"5Gi\"},\"accessModes\":[\"ReadWriteOnce\"],
    \"volumeMode\":\"Filesystem\",\"storageClassName\":\"local\",\"persistentVolumeReclaimPolicy\":\"Retain\",
    \"local\":{\"path\":\"$S/pv/$i\"},\"nodeAffinity\":{\"required\":{\"nodeSelectorTerms\":[{\"matchExpressions\":
    [{\"key\":\"kubernetes.io/hostname\",\"operator\":\"In\",\"values\":[\"$NODE\"]}]}]}}}}" >/dev/null
done
curl -sf -m 2 "http://127.0.0.1:$MIRROR_PORT/v2/" >/dev/null || { tail -20 "$S/registry.log" >&2; fail "the image mirror does not answer"; }

if [ -n "${ENGULA_KUBE_PARENT_PID:-}" ]; then
  # Stops everything when the parent (a test host) is gone, even if it never called stop. setsid: it must outlive
  # this script and not share its process group.
  setsid bash -c 'while kill -0 "$1" 2>/dev/null && [ -f "$2/kubelet.pid" ]; do sleep 1; done; [ -f "$2/kubelet.pid" ] && "$3/stop-kube-node.sh" "$2"' \
    watchdog "$ENGULA_KUBE_PARENT_PID" "$S" "$HERE" </dev/null >"$S/watchdog.log" 2>&1 &
  echo $! > "$S/watchdog.pid"
fi
lap "ready: pods on $POD_SUBNET via $BR, DNS $NODE_IP, mirror 127.0.0.1:$MIRROR_PORT, $PVS local volumes"
echo "KUBECONFIG=$S/kubeconfig"
