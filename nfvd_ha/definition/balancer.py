"""The [loadbalancer] of a definition: the guide's load-balanced services (2.8)."""

from typing import Any

from . import model
from .checker import Bounds, Checker, valid
from .topology import unique

SERVICE_KEYS = ("name", "mode", "bind", "port", "check", "servers", "fall", "rise",
                "f5_monitor")
#: the guide's F5 monitor (2.8.1.4, 2.8.2.4, 2.8.3.4): every 5 s, down after 16 s
F5_INTERVAL = 5
#: F5's schema: an HTTP monitor's timeout 0-900 s (whole seconds); the interval is shorter
F5_MAX_INTERVAL, F5_MAX_TIMEOUT = 899, 900


def loadbalancer(check: Checker, lb: Any, where: str) -> model.LoadBalancer:
    lb = check.keys(lb, where, ("service", "stats", "process"))
    stats = check.keys(lb.get("stats", {}), f"{where}.stats", ("bind", "user"))
    services = tuple(filter(None, (_service(check, s, f"{where}.service[{i}]")
                                   for i, s in enumerate(check.array(lb, "service", where)))))
    unique(check, [(s.name, f"{where}.service[{i}].name") for i, s in enumerate(services)],
           "service name")
    unique(check, [(s.bind, f"{where}.service[{i}].bind") for i, s in enumerate(services)],
           "bind address")
    stats_bind = bind(check, check.get(stats, "bind", f"{where}.stats", str, "127.0.0.1:1936"),
                      f"{where}.stats.bind")
    return model.LoadBalancer(
        services, valid(stats_bind),
        check.get(stats, "user", f"{where}.stats", str, "nfvd", grammar="token"),
        _process(check, lb.get("process", {}), f"{where}.process"))


def _process(check: Checker, p: Any, where: str) -> model.LbProcess:
    """HAProxy's user, group and chroot: it binds every address as root (``transparent``
    included), then changes root and drops to the user."""
    p = check.keys(p, where, ("user", "group", "chroot"))
    default = model.LbProcess()
    return model.LbProcess(check.get(p, "user", where, str, default.user, grammar="account"),
                           check.get(p, "group", where, str, default.group, grammar="account"),
                           check.get(p, "chroot", where, str, default.chroot, grammar="path"))


def bind(check: Checker, value: str | None, where: str) -> str | None:
    """address:port with the address an IP or * (any)."""
    if value is None:
        return None
    host, _, port = value.rpartition(":")
    if not (port.isascii() and port.isdigit()) or not 1 <= int(port) <= 65535:
        check.error(where, f"'{value}' is not address:port")
        return None
    if host == "*":
        return value
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return value if check.ip(host, where) else None


def _service(check: Checker, s: Any, where: str) -> model.LbService:
    s = check.keys(s, where, SERVICE_KEYS, required=("name", "bind", "port", "servers"))
    mode = check.get(s, "mode", where, str, "active-active")
    if mode not in ("active-active", "primary-backup"):
        check.error(f"{where}.mode", f"'{mode}' is not one of active-active, primary-backup")
    hc = check.keys(s.get("check", {}), f"{where}.check", ("port", "path", "interval"))
    port = check.ranged(s, "port", where, Bounds(1, 65535))
    servers = []
    for i, v in enumerate(check.array(s, "servers", where)):
        w = f"{where}.servers[{i}]"
        v = check.keys(v, w, ("name", "address", "cookie"), required=("name", "address"))
        name = check.get(v, "name", w, str, grammar="id")
        address = check.ip(check.get(v, "address", w, str), f"{w}.address")
        servers.append(model.Server(name, valid(address),
                                    check.get(v, "cookie", w, str, name, grammar="token")))
    if "servers" in s and len(servers) < 2:
        check.error(f"{where}.servers", "a load-balanced service needs at least 2 servers")
    unique(check, [(v.cookie, f"{where}.servers[{i}].cookie") for i, v in enumerate(servers)
                   if v.cookie], "cookie")
    backup = mode == "primary-backup"
    f5_interval, f5_timeout = _f5_monitor(check, s.get("f5_monitor", {}), f"{where}.f5_monitor")
    return model.LbService(
        name=check.get(s, "name", where, str, grammar="id"),
        mode=mode, bind=valid(bind(check, check.get(s, "bind", where, str), f"{where}.bind")),
        port=port,
        check_port=check.ranged(hc, "port", f"{where}.check", Bounds(1, 65535, default=port)),
        check_path=check.get(hc, "path", f"{where}.check", str, "/", grammar="url_path"),
        check_interval=check.ranged(hc, "interval", f"{where}.check",
                                    Bounds.duration(100, 3600000, default=15000)),
        servers=tuple(servers),
        fall=check.ranged(s, "fall", where, Bounds(1, 100, default=1 if backup else 3)),
        rise=check.ranged(s, "rise", where, Bounds(1, 100, default=3 if backup else 2)),
        f5_interval=f5_interval, f5_timeout=f5_timeout)


def _f5_monitor(check: Checker, m: Any, where: str) -> tuple[int, int]:
    """(interval, timeout) in whole seconds for the F5 monitor: the guide's 5 s and F5's rule
    3 x interval + 1 unless given; the timeout longer than the interval."""
    m = check.keys(m, where, ("interval", "timeout"))
    interval = _seconds(check, m, "interval", where, F5_MAX_INTERVAL, F5_INTERVAL)
    timeout = _seconds(check, m, "timeout", where, F5_MAX_TIMEOUT,
                       min(3 * interval + 1, F5_MAX_TIMEOUT))
    if timeout <= interval:
        check.error(f"{where}.timeout", f"{timeout} s must be longer than the interval "
                    f"({interval} s): F5 would mark a member down between two checks")
    return interval, timeout


def _seconds(check: Checker, m: dict[str, Any], key: str, where: str, high: int,
             default: int) -> int:
    ms = check.ranged(m, key, where, Bounds.duration(1000, high * 1000, default=default * 1000))
    if ms % 1000:
        check.error(f"{where}.{key}", f"{ms} ms is not a whole number of seconds (F5 "
                    "monitors count in seconds)")
        return default
    return ms // 1000
