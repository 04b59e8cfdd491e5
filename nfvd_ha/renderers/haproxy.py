"""haproxy.cfg for the load-balanced services of the guide (2.8): GUI and FF API round
robin with sticky cookies and redispatch, SiteScope primary + backup without a cookie (the
guide: the backup serves only while the primary is down; a cookie would keep its clients
there after the primary is back), stats.

The stats page authenticates with the user of the definition and the password ``nfvd-ha
keygen`` generated (haproxy/nfvd-stats.env): it is written into haproxy.cfg itself, which
is rendered 0600 (haproxy reads it as root before dropping privileges), so it works with
the stock Debian and RHEL units - no environment file has to reach the service.

As the guide's global section (2.8.4): ``chroot``, ``user`` and ``group`` from the
definition's ``[loadbalancer] process`` (haproxy, haproxy, /var/lib/haproxy by default).
HAProxy reads its configuration, writes its pid file, binds every address (``transparent``
ones included) and the stats socket as root, then changes root and drops privileges: the
paths it opens later resolve inside the chroot. The one it opens later is the log socket:
``/dev/log`` is ``CHROOT/dev/log`` to the workers (Debian's haproxy package has rsyslog
create it, /etc/rsyslog.d/49-haproxy.conf).
"""

from collections.abc import Collection

from ..definition.model import LbService, LoadBalancer, bind_host
from ..durations import text as _ms

GLOBAL = """\
# Rendered by nfvd-ha from the cluster definition (guide 2.8.4); do not edit by hand.
global
    log /dev/log local2
    chroot {chroot}
    pidfile /run/haproxy.pid
    maxconn 4000
    user {user}
    group {group}
    daemon
    stats socket /run/haproxy-nfvd.sock mode 600 level admin

defaults
    mode http
    log global
    option httplog
    option dontlognull
    option http-server-close
    option forwardfor except 127.0.0.0/8
    option redispatch
    retries 3
    timeout http-request 10s
    timeout queue 1m
    timeout connect 10s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 10s
    timeout check 10s
    maxconn 3000
"""


def _bind(address: str, floating: Collection[str]) -> str:
    """A bind line; ``transparent`` for an address a cluster of the definition moves between
    its load balancers (a VIP), so that haproxy runs on both and binds it before it is here."""
    return f"    bind {address}" + (" transparent" if bind_host(address) in floating else "")


def _listen(service: LbService, floating: Collection[str]) -> str:
    balance = "Active/Active" if service.mode == "active-active" else "primary / hot standby"
    lines = [f"# {service.name}: {balance}; health check GET "
             f"http://SERVER:{service.check_port}{service.check_path}",
             f"listen {service.name}",
             _bind(service.bind, floating),
             "    mode http",
             "    balance roundrobin",
             f"    option httpchk GET {service.check_path}",
             "    option forwardfor",
             "    option redispatch"]
    if service.sticky:
        lines.append(f"    cookie {service.cookie_name} insert indirect nocache")
    for i, server in enumerate(service.servers):
        words = [f"    server {server.name} {server.address}:{service.port}", "weight 1",
                 "maxconn 512"] + ([f"cookie {server.cookie}"] if service.sticky else []) + [
                     "check",
                 f"port {service.check_port}", f"inter {_ms(service.check_interval)}",
                 f"fall {service.fall}", f"rise {service.rise}"]
        if not service.sticky and i > 0:
            words.append("backup")
        lines.append(" ".join(words))
    return "\n".join(lines) + "\n"


def render_haproxy_cfg(lb: LoadBalancer, password: str,
                       floating: Collection[str] = ()) -> str:
    """``password``: the stats password (from the keys; letters, digits, _ and -);
    ``floating``: the VIP addresses the definition's clusters move (an HA load balancer)."""
    floating = set(floating)
    stats = (f"listen stats\n{_bind(lb.stats_bind, floating)}\n    mode http\n"
             "    stats enable\n    stats uri /\n    stats hide-version\n"
             f"    stats realm nfvd-ha\n    stats auth {lb.stats_user}:{password}\n")
    head = GLOBAL.format(chroot=lb.process.chroot, user=lb.process.user,
                         group=lb.process.group)
    return "\n".join([head] + [_listen(s, floating) for s in lb.services] + [stats])
