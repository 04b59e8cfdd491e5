"""ocf:nfvd:vip: a virtual IP address (IPv4 or IPv6) on a local interface."""

import os

from nfvd_ocf import addresses, checks, codes, runtime
from nfvd_ocf.declaration import Action, Agent, Param
from nfvd_ocf.errors import Failed, InvalidConfig, InvalidHere, NotInstalled
from nfvd_ocf.params import Context

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    import ipaddress
    from collections.abc import Mapping
    from typing import Any

    from nfvd_ocf.proc import Result

    Network = ipaddress.IPv4Network | ipaddress.IPv6Network

IFF_UP = 0x1
MAX_ARP_COUNT = 32
MAX_DAD_TIMEOUT_MS = 10000
ARP_INTERVAL = 0.2
_LABEL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


def nic_problem(nic: str | None) -> str | None:
    """Why ``nic`` cannot be an interface name (the kernel's dev_valid_name), or None."""
    if not nic:
        return None
    if len(nic) > 15 or nic in (".", "..") or any(
            c in "/:" or c.isspace() or not c.isprintable() or not c.isascii() for c in nic):
        return f"nic '{nic}' is not an interface name (1-15 characters, no '/', ':', spaces)"
    return None


def label_problem(label: str | None) -> str | None:
    if label and (len(label) > 15 or any(c not in _LABEL for c in label)):
        return f"label '{label}' may hold only letters, digits, '_', '-' and '.'"
    return None


def prefix_problem(raw: object, v6: bool) -> str | None:
    """Why ``raw`` is not a prefix length or dotted netmask for an IPv4 (or, ``v6``, an IPv6)
    address. The ipaddress module only for a dotted netmask: this runs on every monitor."""
    raw, longest = str(raw or "").strip(), 128 if v6 else 32
    if not raw or (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= longest):
        return None
    if not v6 and raw.isascii() and "." in raw:
        import ipaddress  # only for a dotted netmask
        try:
            ipaddress.ip_network(f"0.0.0.0/{raw}")
            return None
        except ValueError:
            pass
    return (f"cidr_netmask '{raw}' is not a prefix length 1-{longest}"
            + ("" if v6 else " or a dotted netmask"))


def _ip(argv: list[str], ctx: Context, timeout: float = 5) -> "Result":
    from nfvd_ocf import proc  # start and stop only: a monitor runs no command
    try:
        result = proc.run(["ip"] + argv, min(timeout, max(ctx.remaining(), 1)))
    except FileNotFoundError:
        raise NotInstalled("the 'ip' command (iproute2) is not installed") from None
    if result.timed_out:
        raise Failed(f"'ip {' '.join(argv)}' did not finish in time")
    return result


def _find(ctx: Context, ip: str) -> tuple[str, addresses.Assignment] | None:
    """(device, assignment) of the first assignment of ``ip`` on this host, or None. Asked of
    the kernel (rtnetlink), not of ``ip``: a monitor then runs no command at all."""
    try:
        found = addresses.assignments(ip, min(addresses.TIMEOUT, max(ctx.remaining(), 0.5)))
        return (found[0].device, found[0]) if found else None
    except OSError as exc:
        raise Failed(f"cannot list the addresses of this host (rtnetlink): {exc}") from None


def _link_up(dev: str) -> bool:
    try:
        with open(f"/sys/class/net/{dev}/flags") as f:
            flags = int(f.read(), 16)
        with open(f"/sys/class/net/{dev}/carrier") as f:
            carrier = f.read().strip() == "1"
    except (OSError, ValueError):
        return False
    return bool(flags & IFF_UP) and carrier


def canonical_ip(raw: str) -> str | None:
    """``raw`` as the kernel prints it (IPv4 or IPv6), or None. No ipaddress import: this
    runs on every monitor."""
    import _socket
    for family in (_socket.AF_INET, _socket.AF_INET6):
        try:
            return _socket.inet_ntop(family, _socket.inet_pton(family, raw))
        except (OSError, ValueError, TypeError):
            continue
    return None


def _check_ip(ctx: Context) -> str:
    ip = canonical_ip(ctx.params["ip"])  # checked before every action (param_problems)
    if ip is None:
        raise InvalidConfig(f"ip '{ctx.params['ip']}' is not an IPv4 or IPv6 address")
    return ip


def param_problems(values: "Mapping[str, Any]") -> list[str]:
    """Every inherent problem of the parameters (also what `nfvd-ha validate` checks)."""
    ip = canonical_ip(values["ip"] or "")
    if ip is None:
        return [f"ip '{values['ip']}' is not an IPv4 or IPv6 address"]
    not_unicast = addresses.unicast_problem(ip)
    if not_unicast:  # 0.0.0.0 or 127.0.0.1 would be "held" by every node
        return [f"ip '{values['ip']}' {not_unicast}"]
    nic, label, v6 = values["nic"], values["label"], ":" in ip
    problems = [nic_problem(nic), label_problem(label), checks.in_range(
        values["arp_count"], 0, MAX_ARP_COUNT, "arp_count"), checks.in_range(
        values["dad_timeout_ms"], 0, MAX_DAD_TIMEOUT_MS, "dad_timeout_ms")]
    if values["cidr_netmask"]:
        problems.append(prefix_problem(values["cidr_netmask"], v6))
    if label and (v6 or len(f"{nic or 'eth0'}:{label}") > 15):
        problems.append(f"label '{label}': IPv4 only, and nic:label must fit 15 characters")
    return checks.found(*problems)


def monitor(ctx: Context) -> int:
    ip = _check_ip(ctx)
    found = _find(ctx, ip)
    if found is None:
        return codes.NOT_RUNNING
    dev, held = found
    if held.tentative or held.dad_failed:
        raise Failed(f"{ip} on {dev} failed duplicate address detection")
    nic = ctx.params["nic"]
    if nic and dev != nic:
        raise Failed(f"{ip} is on {dev}, not on the configured nic {nic}")
    if not _link_up(dev):
        raise Failed(f"{ip} is on {dev}, but the link of {dev} is down")
    return codes.SUCCESS


def _prefix_len(ctx: Context) -> int | None:
    raw = str(ctx.params["cidr_netmask"] or "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return int(raw)
    import ipaddress
    return ipaddress.ip_network(f"0.0.0.0/{raw}").prefixlen


def _networks(ctx: Context, family: str) -> "list[tuple[str, Network]]":
    """(dev, network) for every address configured on this host."""
    import ipaddress
    out = _ip(["-o", family, "addr", "show"], ctx).output
    nets: list[tuple[str, Network]] = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) > 3 and "/" in fields[3]:
            nets.append((fields[1].rstrip(":").split("@")[0],
                         ipaddress.ip_interface(fields[3]).network))
    return nets


class Target:
    """Where start puts the address: ``ip/prefix`` on ``nic``, labelled ``nic:label`` if set."""

    __slots__ = ("ip", "prefix", "nic", "label")

    def __init__(self, ip: str, prefix: int, nic: str, label: str | None) -> None:
        self.ip, self.prefix, self.nic, self.label = ip, prefix, nic, label


def resolve(ctx: Context) -> Target:
    """Validate everything and work out the target of the address on this host."""
    import ipaddress
    ip = _check_ip(ctx)
    ip_obj = ipaddress.ip_address(ip)
    prefix, nic, label = _prefix_len(ctx), ctx.params["nic"], ctx.params["label"]
    if nic and not os.path.isdir(f"/sys/class/net/{nic}"):
        raise InvalidHere(f"nic '{nic}' does not exist on this host")
    if nic and prefix:
        return Target(ip, prefix, nic, label)
    for dev, net in _networks(ctx, "-6" if ip_obj.version == 6 else "-4"):
        if ip_obj in net and net.prefixlen < ip_obj.max_prefixlen and nic in (None, dev):
            return Target(ip, prefix or net.prefixlen, dev, label)
    if nic:
        return Target(ip, prefix or ip_obj.max_prefixlen, nic, label)
    raise InvalidHere(f"no interface here has a network containing {ip}; set nic and "
                      "cidr_netmask")


def start(ctx: Context) -> int:
    target = resolve(ctx)
    ip, nic = target.ip, target.nic
    if monitor(ctx) == codes.SUCCESS:
        return codes.SUCCESS
    if ":" not in ip and ctx.params["dad_timeout_ms"] > 0:
        _refuse_duplicate(ctx, nic, ip)
    _add(ctx, target)
    if ":" not in ip and ctx.params["arp_count"] > 0:
        from nfvd_ocf import arp
        count = min(ctx.params["arp_count"], int(ctx.remaining() / ARP_INTERVAL) + 1)
        arp.announce_in_background(nic, ip, count, ARP_INTERVAL, _announcer_file(ip))
    from nfvd_ocf import proc
    if proc.wait_until(lambda: _settled(ctx), ctx.remaining(), 0.05):
        ctx.log.info(f"{ip}/{target.prefix} is up on {nic}")
        return codes.SUCCESS
    monitor(ctx)  # raises with the reason when it can name one
    raise Failed(f"{ip}/{target.prefix} did not come up on {nic} in time")


def _add(ctx: Context, target: Target) -> None:
    ip, nic = target.ip, target.nic
    argv = ["addr", "add", f"{ip}/{target.prefix}", "dev", nic]
    if ":" not in ip:
        argv[3:3] = ["broadcast", "+"]
        if target.label:
            argv += ["label", f"{nic}:{target.label}"]
    result = _ip(argv, ctx)
    if result.rc != 0:
        raise Failed(f"ip {' '.join(argv)} failed: {result.output.strip()}")


def _settled(ctx: Context) -> bool:
    found = _find(ctx, _check_ip(ctx))
    if found and found[1].tentative and not found[1].dad_failed:
        return False  # IPv6 duplicate address detection still running
    return monitor(ctx) == codes.SUCCESS


def _announcer_file(ip: str) -> str:
    """Where the gratuitous-ARP announcer of ``ip`` notes its pid and start time."""
    return os.path.join(os.environ.get("HA_RSCTMP") or "/run/resource-agents",
                        f"nfvd-vip-{ip}.garp")


def _refuse_duplicate(ctx: Context, nic: str, ip: str) -> None:
    from nfvd_ocf import arp
    timeout = min(ctx.params["dad_timeout_ms"] / 1000.0, max(ctx.remaining(1.0), 0.05))
    try:
        owner = arp.probe(nic, ip, timeout)
    except PermissionError:
        raise Failed("cannot send ARP probes: needs CAP_NET_RAW") from None
    except OSError as exc:
        raise Failed(f"ARP probe for {ip} on {nic} failed: {exc}") from None
    if owner:
        raise Failed(f"{ip} already answers on the network from {owner}: refusing to start "
                     "(duplicate address)")


def stop(ctx: Context) -> int:
    ip = _check_ip(ctx)
    if ":" not in ip:
        from nfvd_ocf import arp
        arp.stop_announcer(_announcer_file(ip), ip)
    found = _find(ctx, ip)
    if found is None:
        return codes.SUCCESS
    dev, held = found
    result = _ip(["addr", "del", f"{ip}/{held.prefixlen}", "dev", dev], ctx)
    if _find(ctx, ip) is not None:
        raise Failed(f"could not remove {ip} from {dev}: {result.output.strip()}")
    ctx.log.info(f"{ip} removed from {dev}")
    return codes.SUCCESS


def validate_all(ctx: Context) -> int:
    resolve(ctx)
    return codes.SUCCESS


AGENT = Agent(
    name="vip",
    version="1.0",
    shortdesc="Virtual IP address for an NFVD service",
    longdesc=("Adds a virtual IPv4 or IPv6 address to a local interface. Before adding an "
              "IPv4 address it probes the network (RFC 5227 ARP probe) and refuses to start "
              "when another host already answers for it; after adding it, it sends "
              "gratuitous ARP. Monitor reports running when the address is present on a "
              "link that is up. Replaces heartbeat's IPaddr::ip/bits/nic:label."),
    params=(
        Param("ip", "The virtual IP address", "IPv4 or IPv6 address to manage.",
              required=True, unique_group="address"),
        Param("cidr_netmask", "Prefix length",
              "Prefix length (24) or dotted IPv4 netmask. Default: that of the interface "
              "network that contains ip, else a host prefix."),
        Param("nic", "Interface", "Interface to add the address to. Default: the interface "
              "whose network contains ip."),
        Param("label", "IPv4 label", "Label, shown as nic:label (heartbeat's eth0:0 style)."),
        Param("arp_count", "Gratuitous ARPs", "Gratuitous ARP packets sent after start, "
              f"0.2 s apart (0-{MAX_ARP_COUNT}); never past the start's timeout, and none "
              "after a stop.", type="integer", default=5),
        Param("dad_timeout_ms", "Duplicate address probe (ms)",
              "How long to wait for an answer to the ARP probe sent before start "
              f"(0-{MAX_DAD_TIMEOUT_MS}, within the start's timeout); 0 disables the "
              "duplicate address check.", type="integer", default=300),
    ),
    actions=(
        Action("start", 20), Action("stop", 20), Action("monitor", 20, interval=10, depth=0),
        Action("meta-data", 5), Action("validate-all", 20),
    ),
    handlers={"start": start, "stop": stop, "monitor": monitor, "validate-all": validate_all},
    check=param_problems,
)


if __name__ == "__main__":
    runtime.main(AGENT)
