"""The validated definition: frozen, plain data. Renderers read it; nothing changes it."""

from dataclasses import dataclass, field

from ..paths import HEARTBEAT_LOG


@dataclass(frozen=True)
class Node:
    name: str
    addresses: tuple[str, ...]  # one per corosync link / heartbeat medium, link 0 first
    nodeid: int

    @property
    def address(self) -> str:
        return self.addresses[0]


@dataclass(frozen=True)
class Timing:  # milliseconds
    keepalive: int
    deadtime: int
    warntime: int
    initdead: int


@dataclass(frozen=True)
class Transport:
    mode: str            # ucast | bcast | mcast
    interfaces: tuple[str, ...]  # one per link, link 0 first
    udpport: int
    mcast_group: str = ""
    mcast_ttl: int = 1

    @property
    def interface(self) -> str:
        return self.interfaces[0]


@dataclass(frozen=True)
class Recovery:
    restarts_before_failover: int
    failure_timeout: int  # ms
    # shared storage of a group (shared-fs): remounting on the node whose path to the server
    # failed only fails again, so by default a storage failure moves the group at once
    storage_restarts_before_failover: int = 0
    storage_failure_timeout: int = 120000  # ms


@dataclass(frozen=True)
class Op:
    name: str
    interval: int  # ms
    timeout: int   # ms
    depth: int | None = None


@dataclass(frozen=True)
class Resource:
    id: str
    type: str            # nfvd agent name or class:provider:type / lsb:name
    params: tuple[tuple[str, str], ...]  # sorted (name, value) pairs, values as strings
    ops: tuple[Op, ...]

    @property
    def agent(self) -> tuple[str, str | None, str]:
        """(class, provider, type) for the CIB."""
        if ":" not in self.type:
            return ("ocf", "nfvd", self.type)
        parts = self.type.split(":")
        return (parts[0], parts[1], parts[2]) if len(parts) == 3 else (parts[0], None, parts[1])

    def param(self, name: str, default: str | None = None) -> str | None:
        return dict(self.params).get(name, default)


@dataclass(frozen=True)
class Group:
    id: str
    members: tuple[str, ...]
    preferred_node: str | None = None   # overrides the cluster's
    requires: tuple[str, ...] = ()      # clone ids: runs only with them, started after


@dataclass(frozen=True)
class Alert:
    """A Pacemaker alert: an agent (e.g. the SMTP, SNMP or file samples Pacemaker ships)
    called with every node, fencing and resource event, once per recipient."""
    id: str
    path: str            # the alert agent, executable on every node
    recipients: tuple[str, ...]  # e-mail address, SNMP host, file path: what the agent takes
    timeout: int = 30000  # ms


@dataclass(frozen=True)
class Clone:
    id: str
    member: str          # a resource or a group id
    max: int | None = None


@dataclass(frozen=True)
class SecretRef:
    """A secret kept out of the definition: read from ``path`` at render time."""
    path: str


@dataclass(frozen=True)
class Fencing:
    id: str
    agent: str           # e.g. fence_openstack
    params: tuple[tuple[str, "str | SecretRef | None"], ...]  # sorted (name, value) pairs
    targets: tuple[str, ...]  # nodes this device fences


@dataclass(frozen=True)
class QuorumDevice:
    host: str
    algorithm: str       # ffsplit | lms
    port: int
    tls: bool = True
    heuristics: str = "vip"   # vip: the node holding the cluster's VIPs wins a 50:50 split
    timeout: int | None = None        # ms, quorum.device.timeout; None: from the token
    sync_timeout: int | None = None   # ms, quorum.device.sync_timeout; None: 2 x timeout


@dataclass(frozen=True)
class Cluster:
    name: str
    nodes: tuple[Node, ...]
    preferred_node: str
    auto_failback: bool
    timing: Timing
    transport: Transport
    recovery: Recovery
    resources: tuple[Resource, ...]
    groups: tuple[Group, ...]
    clones: tuple[Clone, ...]
    fencing: tuple[Fencing, ...]
    quorum_device: QuorumDevice | None = None
    logfacility: str = "local0"
    logfile: str = HEARTBEAT_LOG             # heartbeat's ha.cf logfile (guide 2.6.1.1)
    fencing_disabled: str | None = None      # the reason given for running unfenced
    fencing_delay: int = 5000                # ms: priority-fencing-delay (no qdevice)
    alerts: tuple[Alert, ...] = ()

    def preferred_for(self, top: str) -> str:
        """The node a top-level resource prefers (its group's, else the cluster's)."""
        group = next((g for g in self.groups if g.id == top), None)
        return (group.preferred_node if group and group.preferred_node
                else self.preferred_node)

    def resource(self, rid: str) -> Resource | None:
        return next((r for r in self.resources if r.id == rid), None)

    def top_level(self) -> list[str]:
        """Ids Pacemaker places: groups, clones, and primitives in neither."""
        inside = {m for g in self.groups for m in g.members} | {c.member for c in self.clones}
        return ([g.id for g in self.groups if g.id not in inside]
                + [c.id for c in self.clones]
                + [r.id for r in self.resources if r.id not in inside])

    def placed(self) -> list[str]:
        """Top-level ids that run on one node at a time (not clones)."""
        cloned = {c.id for c in self.clones}
        return [top for top in self.top_level() if top not in cloned]

    def vips(self) -> list[str]:
        """The addresses of the vip resources that run on one node at a time."""
        cloned = {c.member for c in self.clones}
        inside_clones = {m for g in self.groups if g.id in cloned for m in g.members} | cloned
        found = (r.param("ip") for r in self.resources
                 if r.type == "vip" and r.id not in inside_clones)
        return [ip for ip in found if ip]

    @property
    def links(self) -> int:
        return len(self.nodes[0].addresses) if self.nodes else 0


@dataclass(frozen=True)
class Server:
    name: str
    address: str
    cookie: str


def bind_host(bind: str) -> str:
    """The address of an ``address:port`` bind (IPv6 without its brackets; ``*``: any)."""
    return bind.rpartition(":")[0].strip("[]")


@dataclass(frozen=True)
class LbService:
    name: str
    mode: str            # active-active | primary-backup
    bind: str            # address:port
    port: int            # servers' service port
    check_port: int
    check_path: str
    check_interval: int  # ms
    servers: tuple[Server, ...]
    fall: int = 3
    rise: int = 2
    f5_interval: int = 5     # s: the F5 monitor's (guide 2.8.x.4), apart from HAProxy's check
    f5_timeout: int = 16     # s: F5's rule, 3 x interval + 1

    @property
    def sticky(self) -> bool:
        """Active/active services keep a client on its server with a cookie; a
        primary/backup one must not (its backup's clients would stay there)."""
        return self.mode == "active-active"

    @property
    def cookie_name(self) -> str:
        """The persistence cookie, the same for HAProxy and F5."""
        return f"NFVD_{self.name.upper()}"


@dataclass(frozen=True)
class LbProcess:
    """Who HAProxy runs as once it has bound its addresses (guide 2.8.4's global section)."""
    user: str = "haproxy"
    group: str = "haproxy"
    chroot: str = "/var/lib/haproxy"


@dataclass(frozen=True)
class LoadBalancer:
    services: tuple[LbService, ...]
    stats_bind: str = "127.0.0.1:1936"
    stats_user: str = "nfvd"
    process: LbProcess = LbProcess()


@dataclass(frozen=True)
class HostMount:
    """A shared filesystem that hosts outside any Pacemaker cluster mount at boot (guide
    2.3.7.2: the GUI VMs' VNF image repository, shared with the FF pair's clone); rendered
    as a systemd mount unit and an fstab line per host."""
    id: str
    hosts: tuple[str, ...]
    device: str
    directory: str
    fstype: str = "nfs"
    options: str = "defaults"
    owner: str = ""          # user:group the share's root belongs to (guide: uoc, group root)


@dataclass(frozen=True)
class Definition:
    source: str
    clusters: tuple[Cluster, ...]
    loadbalancer: LoadBalancer | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)
    mounts: tuple[HostMount, ...] = ()

    def warnings(self) -> list[str]:
        return list(self.notes)
