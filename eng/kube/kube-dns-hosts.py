#!/usr/bin/env python3
"""Cluster DNS for the test node (eng/kube/start-kube-node.sh): records from the Kubernetes API, served by dnsmasq.

No CoreDNS or kube-dns package exists on the build machines; dnsmasq (Debian) serves a hosts file and re-reads it
on SIGHUP, which is all the Engula components need: glibc, .NET and gRPC's dns:/// resolver query it normally.
This loop lists Services and Endpoints twice a second (standard library only) and writes

  <svc>.<ns>.svc.<domain>             the ClusterIP, or for a headless Service every endpoint address (with
                                      publishNotReadyAddresses the endpoints controller lists not-ready pods too,
                                      which is what CoreDNS answers)
  <hostname>.<svc>.<ns>.svc.<domain>  that endpoint's address (StatefulSet pods behind their governing Service)

then SIGHUPs dnsmasq when the content changed. Not served: SRV, PTR, <ip>.<ns>.pod.<domain>, ExternalName.
"""
import argparse
import http.client
import json
import os
import signal
import ssl
import sys
import time
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("--server", required=True)
parser.add_argument("--token-file", required=True, help="start-test-cluster.sh's tokens.csv (token is field 1)")
parser.add_argument("--ca", required=True)
parser.add_argument("--hosts", required=True)
parser.add_argument("--dnsmasq-pid", required=True)
parser.add_argument("--domain", default="cluster.local")
args = parser.parse_args()

token = open(args.token_file).read().split(",")[0].strip()
url = urllib.parse.urlparse(args.server)
context = ssl.create_default_context(cafile=args.ca)
connection = None


def get(path):
    global connection
    for attempt in (1, 2):
        try:
            if connection is None:
                connection = http.client.HTTPSConnection(url.hostname, url.port or 443, context=context, timeout=10)
            connection.request("GET", path, headers={"Authorization": "Bearer " + token, "Accept": "application/json"})
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"GET {path}: HTTP {response.status} {body[:200]!r}")
            return json.loads(body)
        except Exception:
            connection = None
            if attempt == 2:
                raise


def records():
    names = {}

    def add(name, ip):
        names.setdefault(name.lower(), set()).add(ip)

    headless = set()
    for service in get("/api/v1/services")["items"]:
        meta, spec = service["metadata"], service.get("spec", {})
        cluster_ip = spec.get("clusterIP")
        if cluster_ip == "None":
            headless.add((meta["namespace"], meta["name"]))
        elif cluster_ip:
            add(f"{meta['name']}.{meta['namespace']}.svc.{args.domain}", cluster_ip)
    for endpoints in get("/api/v1/endpoints")["items"]:
        ns, name = endpoints["metadata"]["namespace"], endpoints["metadata"]["name"]
        if (ns, name) not in headless:
            continue
        for subset in endpoints.get("subsets") or []:
            for address in subset.get("addresses") or []:
                add(f"{name}.{ns}.svc.{args.domain}", address["ip"])
                if address.get("hostname"):
                    add(f"{address['hostname']}.{name}.{ns}.svc.{args.domain}", address["ip"])
    return "".join(f"{ip} {name}\n" for name in sorted(names) for ip in sorted(names[name]))


last = None
while True:
    try:
        content = records()
        if content != last:
            temporary = args.hosts + ".tmp"
            with open(temporary, "w") as f:
                f.write(content)
            os.chmod(temporary, 0o644)
            os.replace(temporary, args.hosts)
            last = content
            os.kill(int(open(args.dnsmasq_pid).read().strip()), signal.SIGHUP)
            print(f"{time.strftime('%H:%M:%S')} {content.count(chr(10))} records", flush=True)
    except Exception as e:  # the API restarting, dnsmasq not up yet: report and try again
        print(f"kube-dns-hosts: {e}", file=sys.stderr, flush=True)
    time.sleep(0.5)
