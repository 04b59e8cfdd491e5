"""This node's Pacemaker cluster, through the runner: the one adapter for every Pacemaker
tool nfvd-ha runs. Reads crm_mon / cibadmin XML; changes node attributes and bans with
crm_attribute / crm_resource; plan/apply's whole-CIB calls (cibadmin --query / --patch,
crm_simulate, crm_diff) and backup's copy of the CIB. Every call is bounded."""

import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from .. import paths
from ..clock import REAL, Clock
from ..errors import NfvdHaError
from .files import write_atomic
from .runner import CommandRunner, Result

#: an lxml element (lxml ships no type information here)
Xml = Any
T = TypeVar("T")

#: an active resource that is a service: fence devices are not (one that may only run on a
#: node in standby stops there and runs nowhere else, by design)
ACTIVE_SERVICE = "[@active='true'][not(starts-with(@resource_agent, 'stonith:'))]"
#: resource roles (crm_mon's ``role``) of a resource that has arrived (not Starting,
#: Stopping, Migrating)
SETTLED = ("Started", "Promoted", "Unpromoted", "Master", "Slave")
TIMEOUT = 30  # seconds for one cluster command
CIB_TIMEOUT = 60  # seconds for a whole-CIB command (query, simulate, diff, patch)


def parse_xml(text: str, what: str, problem: str = "did not answer with XML") -> Xml:
    """``text`` as XML, entities never resolved and nothing fetched from the network (it may
    come from a tool or from a file someone gave); NfvdHaError "WHAT PROBLEM: ..." if not."""
    from lxml import etree
    try:
        return etree.fromstring(text.encode(), etree.XMLParser(resolve_entities=False,
                                                               no_network=True))
    except etree.XMLSyntaxError as exc:
        raise NfvdHaError(f"{what} {problem}: {exc}") from None


def _score(text: str | None) -> int:
    """A Pacemaker score as a number (INFINITY: 1000000; unreadable: 0)."""
    if text in ("INFINITY", "+INFINITY"):
        return 1000000
    if text == "-INFINITY":
        return -1000000
    try:
        return int(text or 0)
    except ValueError:
        return 0


class Pacemaker:
    """This node's Pacemaker cluster: every Pacemaker tool nfvd-ha runs, through the runner."""

    def __init__(self, runner: CommandRunner, clock: Clock = REAL, timeout: float = TIMEOUT,
                 files: Sequence[str] = (paths.COROSYNC_CONF, paths.CIB_FILE)) -> None:
        self.runner, self.clock, self.timeout, self.files = runner, clock, timeout, files
        self._name: str | None = None

    def _run(self, argv: list[str], check: bool = True) -> Result:
        return self.runner.run(argv, timeout=self.timeout, check=check)

    # -- reading ----------------------------------------------------------------------------
    def present(self) -> bool:
        """A cluster node: corosync configured and Pacemaker has run here (a VM with the
        packages merely installed is not; a cluster node whose stack is down is)."""
        return all(os.path.exists(path) for path in self.files)

    def node_name(self) -> str:
        """This node's name in the cluster (crm_node -n), asked once."""
        if self._name is None:
            self._name = self._run(["crm_node", "-n"]).stdout.strip()
        return self._name

    def status(self) -> Xml:
        """crm_mon's XML status."""
        return parse_xml(self._run(["crm_mon", "-1", "--output-as=xml"]).stdout, "crm_mon")

    def placement(self, status: Xml | None = None) -> dict[str, str | None]:
        """{id: node} for groups (placed = every member up on one node) and primitives."""
        status = self.status() if status is None else status
        where = {}
        for group in status.xpath("//resources/group"):
            members = group.xpath("resource")
            nodes = {n for r in members for n in r.xpath("node/@name")}
            up = all(r.get("active") == "true" and r.get("failed") != "true"
                     and r.get("role") in SETTLED for r in members)
            where[group.get("id")] = nodes.pop() if up and len(nodes) == 1 else None
        for rsc in status.xpath("//resources/resource"):
            nodes = rsc.xpath("node/@name")
            settled = rsc.get("active") == "true" and rsc.get("role") in SETTLED
            where[rsc.get("id")] = nodes[0] if settled and nodes else None
        return where

    def groups(self, status: Xml | None = None) -> list[str]:
        """The ids of the cluster's groups."""
        status = self.status() if status is None else status
        return [g.get("id") for g in status.xpath("//resources/group")]

    def standby(self, node: str, status: Xml | None = None) -> bool:
        """``node`` is in standby."""
        status = self.status() if status is None else status
        found = status.xpath("//nodes/node[@name=$node]", node=node)
        return bool(found) and found[0].get("standby") == "true"

    def active(self, status: Xml | None = None) -> dict[str, dict[str, str]]:
        """{resource id: {node: its resource role}} for active service resources (failed
        ones too: they hold; fence devices are not services)."""
        status = self.status() if status is None else status
        found: dict[str, dict[str, str]] = {}
        for rsc in status.xpath("//resources//resource" + ACTIVE_SERVICE):
            for node in rsc.xpath("node/@name"):
                found.setdefault(rsc.get("id"), {})[node] = rsc.get("role")
        return dict(sorted(found.items()))

    def preferred_nodes(self) -> dict[str, str]:
        """{resource: its preferred node} from positive location constraints (not the cli-
        ones crm_resource leaves)."""
        cib = parse_xml(self._run(["cibadmin", "-Q", "--scope", "constraints"]).stdout,
                        "cibadmin")
        preferred: dict[str, str] = {}
        for loc in cib.xpath("//rsc_location[@node and @rsc]"):
            if not loc.get("id", "").startswith("cli-") and _score(loc.get("score")) > 0:
                preferred.setdefault(loc.get("rsc"), loc.get("node"))
        return preferred

    def takeover_problems(self) -> list[str]:
        """Why no other node could take over what runs here and must move (groups and
        primitives; clone instances stay): [] when one can, or nothing runs here."""
        status = self.status()
        cib = parse_xml(self._run(["cibadmin", "-Q", "--scope", "constraints"]).stdout,
                        "cibadmin")
        return takeover_problems(status, cib, self.node_name())

    def attributes(self, node: str | None = None) -> dict[str, str]:
        """This node's (or ``node``'s) permanent attributes."""
        nodes = parse_xml(self._run(["cibadmin", "--query", "--scope", "nodes"]).stdout,
                          "cibadmin")
        found = nodes.xpath("//node[@uname=$me]/instance_attributes/nvpair",
                            me=node or self.node_name())
        return {p.get("name"): p.get("value") for p in found}

    # -- changing ---------------------------------------------------------------------------
    def set_attribute(self, name: str, value: str, node: str | None = None) -> None:
        """A permanent attribute of this node (or ``node``)."""
        self._run(["crm_attribute", "--node", node or self.node_name(), "--name", name,
                   "--update", value, "--lifetime", "forever"])

    def delete_attribute(self, name: str, node: str | None = None) -> None:
        """Remove a permanent attribute of this node (or ``node``)."""
        self._run(["crm_attribute", "--node", node or self.node_name(), "--name", name,
                   "--delete", "--lifetime", "forever"])

    def settle(self, timeout: float) -> bool:
        """Until no transition is pending (``crm_resource --wait``); False after ``timeout``."""
        return self.runner.run(["crm_resource", "--wait", f"--timeout={int(timeout)}"],
                               timeout=timeout + 10).rc == 0

    def ban(self, resource: str, node: str) -> None:
        """Keep ``resource`` off ``node`` (crm_resource --ban) until cleared."""
        self._run(["crm_resource", "--ban", "--resource", resource, "--node", node, "--quiet"])

    def clear(self, resource: str, node: str) -> None:
        """Remove the ban of ``resource`` from ``node`` (crm_resource --clear)."""
        self._run(["crm_resource", "--clear", "--resource", resource, "--node", node,
                   "--quiet"], check=False)

    # -- the whole CIB (plan / apply, backup) ------------------------------------------------
    def cib(self) -> Xml:
        """The live CIB (configuration and status) as an lxml element."""
        done = self.runner.run(["cibadmin", "--query"], timeout=CIB_TIMEOUT, check=True)
        return parse_xml(done.stdout, "cibadmin --query")

    def cib_text(self) -> str:
        """The live CIB's text as cibadmin prints it (a backup keeps it unparsed)."""
        done = self.runner.run(["cibadmin", "--query"], timeout=CIB_TIMEOUT)
        if done.rc != 0:
            raise NfvdHaError(f"the live CIB: cibadmin --query exited {done.rc}: "
                              f"{done.stderr.strip()[-200:]} (is Pacemaker running here?)")
        return done.stdout

    def simulate(self, cib: Xml) -> str:
        """What crm_simulate prints for ``cib`` (an lxml element, status included)."""
        from lxml import etree
        with tempfile.TemporaryDirectory(prefix="nfvd-ha-plan-") as tmp:
            path = os.path.join(tmp, "cib.xml")
            write_atomic(path, etree.tostring(cib, encoding="unicode"), 0o600)
            done = self.runner.run(["crm_simulate", "--xml-file", path, "--simulate"],
                                   timeout=CIB_TIMEOUT, check=True)
        return done.stdout

    def patch(self, live: Xml, new: Xml) -> None:
        """Change the live CIB from ``live`` to ``new`` (lxml elements) by a versioned patch
        (crm_diff, then cibadmin --patch: refused if the CIB is no longer ``live``'s
        version); NfvdHaError when crm_diff fails or the CIB refuses it."""
        from lxml import etree
        with tempfile.TemporaryDirectory(prefix="nfvd-ha-apply-") as tmp:
            old_path, new_path = os.path.join(tmp, "live.xml"), os.path.join(tmp, "new.xml")
            write_atomic(old_path, etree.tostring(live, encoding="unicode"), 0o600)
            write_atomic(new_path, etree.tostring(new, encoding="unicode"), 0o600)
            patch = self.runner.run(["crm_diff", "--original", old_path, "--new", new_path],
                                    timeout=CIB_TIMEOUT)
            if patch.rc not in (0, 1):  # 1: a difference was found
                raise NfvdHaError(f"crm_diff exited {patch.rc}: {patch.stderr.strip()[-200:]}")
            patch_path = os.path.join(tmp, "patch.xml")
            write_atomic(patch_path, patch.stdout, 0o600)
            pushed = self.runner.run(["cibadmin", "--patch", "--xml-file", patch_path],
                                     timeout=CIB_TIMEOUT)
        if pushed.rc != 0:
            raise NfvdHaError(f"the CIB refused the change (cibadmin --patch exited "
                              f"{pushed.rc}: {pushed.stderr.strip()[-200:]})",
                              hint="it changed meanwhile: run nfvd-ha plan again")

    # -- waiting ----------------------------------------------------------------------------
    def wait_for(self, predicate: Callable[[], T], timeout: float, interval: float = 0.5) -> T:
        """Poll ``predicate`` on the adapter's clock (see Clock.wait_for)."""
        return self.clock.wait_for(predicate, timeout, interval)


#: a node's state in crm_mon's XML that keeps it from taking anything over, in words
UNFIT = (("online", "false", "offline"), ("standby", "true", "in standby"),
         ("maintenance", "true", "in maintenance"), ("unclean", "true", "unclean"),
         ("pending", "true", "still joining"), ("shutdown", "true", "shutting down"))


def _unfit(node: Xml) -> str | None:
    return next((words for attr, value, words in UNFIT if node.get(attr) == value), None)


def _movable_here(status: Xml, me: str) -> list[tuple[str, set[str]]]:
    """[(top-level id, its ids)] of the groups and primitives active on ``me``."""
    found = []
    for group in status.xpath("/*/resources/group"):
        if group.xpath("resource[@active='true']/node[@name=$me]", me=me):
            found.append((group.get("id"), {group.get("id")} | set(group.xpath("resource/@id"))))
    for rsc in status.xpath("/*/resources/resource" + ACTIVE_SERVICE):
        if rsc.xpath("node[@name=$me]", me=me):
            found.append((rsc.get("id"), {rsc.get("id")}))
    return found


def _banned(cib: Xml, ids: Iterable[str], node: str) -> bool:
    """A -INFINITY location of any of ``ids`` on ``node`` (a ban, by hand or crm_resource)."""
    return any(_score(loc.get("score")) <= -1000000
               for loc in cib.xpath("//rsc_location[@node=$node]", node=node)
               if loc.get("rsc") in ids)


def _exhausted(status: Xml, ids: Iterable[str], node: str) -> list[str]:
    """The members of ``ids`` that reached their migration threshold on ``node`` (crm_mon's
    node history: Pacemaker will not start them there until a cleanup)."""
    found = []
    for rsc in status.xpath("//node_history/node[@name=$node]/resource_history", node=node):
        count, limit = rsc.get("fail-count"), rsc.get("migration-threshold")
        if rsc.get("id") in ids and count and limit and _score(count) >= _score(limit) > 0:
            found.append(rsc.get("id"))
    return sorted(found)


def _kept_off(status: Xml, cib: Xml, ids: Iterable[str], node: str) -> str | None:
    """Why the resources ``ids`` cannot run on ``node``, or None."""
    if _banned(cib, ids, node):
        return f"banned from {node}"
    failed = _exhausted(status, ids, node)
    if failed:
        return (f"{', '.join(failed)} reached its failure limit on {node} "
                f"(crm_resource --cleanup --resource {failed[0]} --node {node} once fixed)")
    return None


def takeover_problems(status: Xml, cib: Xml, me: str) -> list[str]:
    """Why no other node could take over what runs on ``me`` and must move ([] when one
    can): ``status`` is crm_mon's, ``cib`` the constraints."""
    movable = _movable_here(status, me)
    if not movable:
        return []
    peers = {n.get("name"): _unfit(n) for n in status.xpath("//nodes/node")
             if n.get("name") != me}
    fit = sorted(name for name, why in peers.items() if why is None)
    if not fit:
        return [f"{name} cannot take over: {why}" for name, why in sorted(peers.items())] \
            or ["no other node in this cluster can take over"]
    problems: list[str] = []
    for top, ids in movable:
        why = [_kept_off(status, cib, ids, node) for node in fit]
        if all(why):
            problems.append(f"{top} cannot move: {'; '.join(w for w in why if w)}")
    return problems


def node_unfit(status: Xml, name: str) -> str | None:
    """Why ``name`` cannot run anything now (offline, in standby, ...), or None."""
    found = status.xpath("//nodes/node[@name=$n]", n=name)
    return _unfit(found[0]) if found else "not a node of this cluster"


def failures(status: Xml) -> list[str]:
    """What crm_mon reports as failed: failed actions, and fail counts above zero."""
    found = [f"{f.get('op_key')} on {f.get('node')}: {f.get('exitreason') or f.get('exitstatus')}"
             for f in status.xpath("//failures/failure")]
    for node in status.xpath("//node_history/node"):
        for rsc in node.xpath("resource_history"):
            if _score(rsc.get("fail-count")) > 0:
                found.append(f"{rsc.get('id')} failed {rsc.get('fail-count')} time(s) on "
                             f"{node.get('name')}")
    return found


def quorate(status: Xml) -> bool:
    """crm_mon says the cluster has quorum (and a DC)."""
    return bool(status.xpath("//current_dc[@present='true' and @with_quorum='true']"))
