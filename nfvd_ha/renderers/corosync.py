"""corosync.conf for one cluster (knet), from the heartbeat-style timing of the definition.

deadtime -> totem token; consensus 1.2 x token; keepalive -> knet ping interval (timeout
2 x keepalive). One knet link per node address, in active mode: every message goes over
every link, so losing one link needs no failover and the token is never late for it (in
passive mode a link must first be declared dead, within the token, by a ping timeout so short
that a loaded host flaps its links — measured in the lab). Two nodes ->
two_node (implies wait_for_all), unless a quorum device is configured: then corosync-qdevice
(model net, TLS by default) and, with the vip heuristic, the node that holds the cluster's
VIPs wins a 50:50 split. No wait_for_all with a quorum device: votequorum re-arms it whenever
a node loses quorum, so a survivor that lost its peer while qnetd was down would stay
inquorate (unable to fence or start anything) even after qnetd returns, until the dead peer
comes back by itself. The device's timers are derived from the token
(nfvd_ha/definition/qdevice_timing.py): with corosync's defaults a VM that crashes silently
costs up to 12 s before qnetd lets the survivor have its vote.
"""

from .. import paths
from ..definition import qdevice_timing
from ..definition.model import Cluster

#: installed by `nfvd-ha agents install`: exit 0 when one of its addresses is on this host
HOLDS_ADDRESS = f"{paths.OCF_ROOT}/lib/nfvd/holds-address"


def render_corosync_conf(cluster: Cluster) -> str:
    t = cluster.timing
    token = t.deadtime
    lines = [
        "# Rendered by nfvd-ha from the cluster definition; do not edit by hand.",
        "totem {",
        "    version: 2",
        f"    cluster_name: {cluster.name}",
        "    transport: knet",
        "    link_mode: active",
        "    crypto_cipher: aes256",
        "    crypto_hash: sha256",
        f"    keyfile: {paths.COROSYNC_AUTHKEY}",
        f"    token: {token}",
        f"    consensus: {token * 12 // 10}",
        "    join: 50",
    ]
    for link in range(cluster.links):
        lines += ["    interface {", f"        linknumber: {link}",
                  f"        knet_ping_interval: {t.keepalive}",
                  f"        knet_ping_timeout: {2 * t.keepalive}",
                  "        knet_transport: udp", "    }"]
    lines += ["}", "", "nodelist {"]
    for node in cluster.nodes:
        lines.append("    node {")
        lines += [f"        ring{link}_addr: {address}"
                  for link, address in enumerate(node.addresses)]
        lines += [f"        name: {node.name}", f"        nodeid: {node.nodeid}", "    }"]
    lines += ["}", "", *_quorum(cluster), "", *_logging(cluster), ""]
    return "\n".join(lines)


def _quorum(cluster: Cluster) -> list[str]:
    q = cluster.quorum_device
    lines = ["quorum {", "    provider: corosync_votequorum"]
    if q is not None:
        timeout, sync_timeout = qdevice_timing.timers(cluster.timing.deadtime, q.timeout,
                                                      q.sync_timeout)
        lines += ["    device {", "        model: net", "        votes: 1",
                  f"        timeout: {timeout}", f"        sync_timeout: {sync_timeout}",
                  "        net {",
                  f"            host: {q.host}", f"            port: {q.port}",
                  f"            algorithm: {q.algorithm}",
                  f"            tls: {'on' if q.tls else 'off'}", "        }"]
        if q.heuristics == "vip":
            check, sync_check = qdevice_timing.heuristics_timeouts(timeout, sync_timeout)
            lines += ["        heuristics {", "            mode: on", "            interval: 5000",
                      f"            timeout: {check}", f"            sync_timeout: {sync_check}",
                      f"            exec_holds_vip: {HOLDS_ADDRESS} "
                      + " ".join(cluster.vips()), "        }"]
        lines.append("    }")
    elif len(cluster.nodes) == 2:
        lines.append("    two_node: 1")
    return lines + ["}"]


def _logging(cluster: Cluster) -> list[str]:
    lines = ["logging {", "    to_logfile: no", "    timestamp: on"]
    if cluster.logfacility == "none":
        lines.append("    to_syslog: no")
    else:
        lines += ["    to_syslog: yes", f"    syslog_facility: {cluster.logfacility}"]
    return lines + ["}"]
