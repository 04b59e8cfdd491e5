"""The guide's F5 LTM setup (2.8.1.4, 2.8.2.4, 2.8.3.4, 2.8.5) from the [loadbalancer] of a
definition: an AS3 declaration and the same as a tmsh script. Pure.

Per service: a virtual server on its bind address, a round-robin pool of its servers, an HTTP
monitor on the check's port (the guide's "alias service port"), every 5 s with a 16 s timeout
as the guide says (``f5_monitor`` changes them; F5's rule for the timeout, 3 x interval + 1, is
the default for another interval). Where HAProxy has a sticky cookie
(active/active services) the virtual server inserts one of the same name; a primary/backup
service (SiteScope) gets priority groups instead, 10 for the primary and 5 for the others,
activation "less than 1", and no persistence, so clients go back to the primary once it is up.

Monitors that work (the guide's do not: ``GET \\r\\n`` has no path and its receive strings are
never printed): the send string is a whole HTTP/1.1 request; on a health endpoint's port the
receive string is the endpoint's "up" text and receive-disable its "draining" text (the
member drains while the node is in maintenance); elsewhere (the FF API's own status page)
receive is a 200 status line.
"""

import json
import re
from typing import Any
from urllib.parse import quote

from ..definition.model import LbService, LoadBalancer, bind_host
from ..endpoints import endpoint_on

# Receive strings are regular expressions to F5 and strings to tmsh's parser: they are kept
# to letters, digits, space, _ - / : and "." (which matches itself too), so they mean the same
# to both and need no escaping anywhere.
SAFE = re.compile(r"^[A-Za-z0-9 _\-/:.]+$")
STATUS_200 = "HTTP/1.. 200"

SCHEMA_VERSION = "3.56.0"
TENANT = "nfvd"
PRIMARY, BACKUP = 10, 5


def virtual(service: LbService) -> tuple[str, int, bool]:
    """(address, port, ipv6) the virtual server listens on; ``*`` is any address."""
    host, port = bind_host(service.bind), service.bind.rpartition(":")[2]
    if host == "*":
        host = "0.0.0.0"
    return host, int(port), ":" in host


def send_string(service: LbService) -> str:
    """The monitor's request, in F5's notation (\\r\\n written as backslash sequences); the
    path percent-encoded beyond letters, digits and - . _ ~ / : @ % (tmsh-safe)."""
    address, _, ipv6 = virtual(service)
    # The IPv4 VIP, else the service's name: brackets would mean command substitution to tmsh.
    host = service.name if address == "0.0.0.0" or ipv6 else address
    path = quote(service.check_path, safe="/-._~:@%")
    return f"GET {path} HTTP/1.1\\r\\nHost: {host}\\r\\nConnection: close\\r\\n\\r\\n"


def literal(text: str) -> str:
    """The text as a receive string: its core without surrounding punctuation."""
    core = text.strip("[](). ")
    if not SAFE.match(core):
        raise ValueError(f"{text!r} cannot be a receive string")
    return core


def receive_strings(service: LbService) -> tuple[str, str]:
    """(receive, receive-disable) for the service's check: a health endpoint's up and
    draining texts, or a 200 status line (no receive-disable) for any other page."""
    endpoint = endpoint_on(service.check_port)
    if endpoint is None:
        return STATUS_200, ""
    return literal(endpoint.up), literal(endpoint.draining)


def timing(service: LbService) -> tuple[int, int]:
    """(interval, timeout) in whole seconds: the service's ``f5_monitor`` (the guide's 5 s and
    16 s unless the definition says otherwise; HAProxy's check interval is its own)."""
    return service.f5_interval, service.f5_timeout


def _names(service: LbService) -> tuple[str, str, str, str]:
    return f"{service.name}_vs", f"{service.name}_pool", f"{service.name}_monitor", \
        f"{service.name}_cookie"


def _priority(service: LbService, index: int) -> int:
    if service.sticky:
        return 0
    return PRIMARY if index == 0 else BACKUP


def _min_active(service: LbService) -> int:
    """Priority group activation: "less than 1" for primary/backup, disabled otherwise."""
    return 0 if service.sticky else 1


def _as3_application(service: LbService) -> dict[str, Any]:
    vs, pool, monitor, cookie = _names(service)
    address, port, _ = virtual(service)
    receive, disable = receive_strings(service)
    interval, timeout = timing(service)
    app: dict[str, Any] = {
        "class": "Application",
        "label": f"{service.name} ({service.mode})",
        vs: {"class": "Service_HTTP", "virtualAddresses": [address],
             "virtualPort": port, "pool": pool,
             "persistenceMethods": [{"use": cookie}] if service.sticky else []},
        pool: {"class": "Pool", "loadBalancingMode": "round-robin",
               "minimumMembersActive": _min_active(service),
               "monitors": [{"use": monitor}],
               "members": [{"servicePort": service.port, "serverAddresses": [s.address],
                            "priorityGroup": _priority(service, i)}
                           for i, s in enumerate(service.servers)]},
        monitor: {"class": "Monitor", "monitorType": "http", "interval": interval,
                  "timeout": timeout, "targetPort": service.check_port,
                  "send": send_string(service), "receive": receive, "receiveDown": disable},
    }
    if service.sticky:
        app[cookie] = {"class": "Persist", "persistenceMethod": "cookie",
                       "cookieMethod": "insert", "cookieName": service.cookie_name}
    return app


def as3_declaration(lb: LoadBalancer) -> dict[str, Any]:
    """The AS3 declaration: one tenant, one application a service."""
    tenant: dict[str, Any] = {"class": "Tenant"}
    for service in lb.services:
        tenant[service.name] = _as3_application(service)
    declaration = {"class": "AS3", "action": "deploy", "persist": True,
                   "declaration": {"class": "ADC", "schemaVersion": SCHEMA_VERSION,
                                   "id": "nfvd-ha", "label": "NFV Director (nfvd-ha)",
                                   TENANT: tenant}}
    return declaration


def render_as3(lb: LoadBalancer) -> str:
    """The AS3 declaration as the text of its file (JSON, sorted keys)."""
    return json.dumps(as3_declaration(lb), indent=2, sort_keys=True) + "\n"


def _tmsh_quoted(text: str) -> str:
    """A tmsh double-quoted string: receive strings are SAFE, send strings are made of the
    definition's address and URL path grammars (no quote, space, $ or brackets)."""
    if any(c in text for c in '"[]{}$;') or ("\\" in text.replace("\\r\\n", "")):
        raise ValueError(f"{text!r} cannot be quoted for tmsh")
    return f'"{text}"'


def _destination(address: str, port: int) -> str:
    """tmsh's address-port notation: ``addr:port``, IPv6 ``addr.port``."""
    return f"{address}.{port}" if ":" in address else f"{address}:{port}"


def _tmsh_service(service: LbService) -> str:
    vs, pool, monitor, cookie = _names(service)
    receive, disable = receive_strings(service)
    interval, timeout = timing(service)
    monitor_line = (f"create ltm monitor http {monitor} {{ interval {interval} timeout {timeout}"
                    f" destination *:{service.check_port} send {_tmsh_quoted(send_string(service))}"
                    f" recv {_tmsh_quoted(receive)}")
    monitor_line += f" recv-disable {_tmsh_quoted(disable)} }}" if disable else " }"
    members = " ".join(f"{_destination(s.address, service.port)} {{ address {s.address} "
                       f"priority-group {_priority(service, i)} }}"
                       for i, s in enumerate(service.servers))
    lines = [f"# {service.name}: {service.mode}", monitor_line,
             f"create ltm pool {pool} {{ load-balancing-mode round-robin min-active-members "
             f"{_min_active(service)} monitor {monitor} members replace-all-with "
             f"{{ {members} }} }}"]
    persist = "none"
    if service.sticky:
        lines.append(f"create ltm persistence cookie {cookie} {{ defaults-from cookie method "
                     f"insert cookie-name {service.cookie_name} }}")
        persist = f"replace-all-with {{ {cookie} {{ default yes }} }}"
    address, port, _ = virtual(service)
    lines.append(f"create ltm virtual {vs} {{ destination {_destination(address, port)} "
                 "ip-protocol tcp "
                 f"profiles replace-all-with {{ http tcp }} pool {pool} persist {persist} "
                 "source-address-translation { type automap } }")
    return "\n".join(lines) + "\n"


def render_tmsh(lb: LoadBalancer) -> str:
    """The same objects as a tmsh script (``tmsh -q load sys config merge file`` is not it:
    run it with ``tmsh < nfvd.tmsh`` in a partition of your choice, then ``save sys config``)."""
    head = ("# Rendered by nfvd-ha from the cluster definition (guide 2.8.5); do not edit.\n"
            "# Run: tmsh < nfvd.tmsh && tmsh save sys config\n")
    return head + "\n".join(_tmsh_service(s) for s in lb.services)
