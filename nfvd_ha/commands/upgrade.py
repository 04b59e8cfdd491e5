"""``nfvd-ha upgrade check|begin|end``: the guide's upgrade of an HA platform (4.4), step by
step on a Pacemaker pair, each step checked before it changes anything.

The guide: the installer runs on the secondary platform first (``nfvd-install.sh -s``), then
on the primary (``-p``), each followed by ``nfvd-reconfigure.sh -s|-p -f``; the node being
upgraded must be able to run UCA-EBC (an exclusive process), so its active/passive services
run *there*, in maintenance without switchover (the lock touched by hand), and never on the
other platform meanwhile. So, on each node in turn (secondary first):

  ``upgrade check``  says whether it is safe to go on: the cluster quorate, the peer online
                     and able to take over (should this node fail mid-upgrade), nothing
                     failed, every group started, the order kept (the primary only after
                     the secondary finished; one node at a time);
  ``upgrade begin``  those checks, then records the step (node attribute ``nfvd-upgrade``),
                     moves the groups here if they run on the peer (a planned switchover:
                     a ban while they move, then cleared) and enters maintenance in place
                     (the lock, as the guide's ``touch``): what runs here keeps running,
                     unmanaged, so the installer may stop and start it, and Pacemaker starts
                     it nowhere else;
  (the operator runs the installer and nfvd-reconfigure, as the guide says)
  ``upgrade end``    checks that the installer left the services running here, leaves
                     maintenance (Pacemaker probes and manages them again, in place), waits
                     until the cluster settled with nothing failed, and records the step
                     done (after the primary: the upgrade is over, the records go).
"""

from nfvd_ocf.nfvd import LABELS

from ..adapters.files import write_atomic
from ..adapters.lockfile import IN_PLACE, read_lock, remove_lock
from ..adapters.pacemaker import Pacemaker, Xml, failures, node_unfit, quorate
from ..adapters.runner import CommandRunner, Runner
from ..adapters.services import Services
from ..clock import REAL, Clock
from ..errors import NfvdHaError
from ..paths import NFVD_INSTALL, NFVD_RECONFIGURE
from ..roles import detect, installed
from .maintenance.reconcile import ReconcileOptions, Reconciler, reconcile_lock

#: node attribute: "<platform>:in-progress" or "secondary:done"
ATTRIBUTE = "nfvd-upgrade"
PLATFORMS = ("secondary", "primary")
INSTALL, RECONFIGURE = NFVD_INSTALL, NFVD_RECONFIGURE
WHO = "nfvd-ha upgrade"


class Upgrade:
    """The guide's upgrade of an HA platform (4.4), one checked step at a time."""

    def __init__(self, options: ReconcileOptions | None = None, *,
                 runner: CommandRunner | None = None, cluster: Pacemaker | None = None,
                 services: Services | None = None, reconciler: Reconciler | None = None,
                 clock: Clock = REAL) -> None:
        """``options`` as the reconcile's: its timeout bounds every wait of the upgrade, its
        progress is where the upgrade says what it does."""
        options = options or ReconcileOptions()
        self.say, self.timeout, self.clock = options.progress, options.timeout, clock
        runner = runner or Runner()
        self.files = options.files
        self.cluster = cluster or Pacemaker(runner, clock)
        self.services = services or Services(runner, clock=clock)
        self.reconciler = reconciler or Reconciler(options, runner=runner, cluster=self.cluster,
                                                   services=self.services, clock=clock)

    # -- what the cluster says ----------------------------------------------------------------
    def _facts(self) -> tuple[Xml, str, list[str], dict[str, str | None],
                              dict[str, str | None]]:
        """(crm_mon's status, this node, its peers, each node's upgrade mark, where each
        group runs)."""
        status, me = self.cluster.status(), self.cluster.node_name()
        nodes = [n.get("name") for n in status.xpath("//nodes/node")]
        peers = [n for n in nodes if n != me]
        marks = {n: self.cluster.attributes(n).get(ATTRIBUTE) for n in nodes}
        groups = self.cluster.groups(status)
        placement = self.cluster.placement(status)
        return status, me, peers, marks, {g: placement.get(g) for g in groups}

    def platform(self, me: str, given: str | None) -> str:
        """secondary or primary: ``given``, checked against the groups' preferred node."""
        preferred = set(self.cluster.preferred_nodes().values())
        told = "primary" if me in preferred else "secondary" if preferred else None
        if given and told and given != told:
            raise NfvdHaError(f"{me} is the {told} platform (the groups' preferred node is "
                              f"{'this node' if told == 'primary' else 'its peer'}), not the "
                              f"{given}")
        chosen = given or told
        if not chosen:
            raise NfvdHaError("cannot tell which platform this node is (no group prefers a "
                              "node)", hint="say it: --platform secondary|primary")
        return chosen

    def _problems(self, status: Xml, me: str, peers: list[str], marks: dict[str, str | None],
                  groups: dict[str, str | None], platform: str) -> list[str]:
        """Why this node cannot be upgraded now (every reason, [] when it can)."""
        found: list[str] = []
        if not quorate(status):
            found.append("the cluster has no quorum here")
        found += [f"{p} cannot take over should {me} fail during the upgrade: {why}"
                  for p in peers for why in [node_unfit(status, p)] if why]
        if not peers:
            found.append("no peer in this cluster")
        found += [f"failed: {text}" for text in failures(status)]
        found += [f"{g} is not started anywhere" for g, where in groups.items() if not where]
        busy = [n for n, mark in marks.items() if n != me and mark and
                mark.endswith(":in-progress")]
        found += [f"{n} is being upgraded ({marks[n]}): one node at a time" for n in busy]
        resuming = marks.get(me) == f"{platform}:in-progress"  # a begin that stopped half-way
        if marks.get(me) and not resuming:
            found.append(f"{me} already went through the upgrade ({marks[me]})")
        if platform == "primary" and not any(marks.get(p) == "secondary:done" for p in peers):
            found.append("the secondary platform is not upgraded yet: it goes first "
                         "(guide 4.4; `nfvd-ha upgrade begin` there)")
        if read_lock(self.files.lock).mode and not resuming:
            found.append(f"{me} is in maintenance already ({self.files.lock})")
        return found

    # -- the steps ------------------------------------------------------------------------------
    def check(self, platform: str | None = None) -> str:
        """Say whether this node may be upgraded now, and its platform; NfvdHaError with why
        not."""
        status, me, peers, marks, groups = self._facts()
        platform = self.platform(me, platform)
        found = self._problems(status, me, peers, marks, groups, platform)
        self.say(f"upgrade check on {me}, the {platform} platform (guide 4.4):")
        if found:
            raise NfvdHaError(found, hint="not safe to go on; nothing was changed")
        self.say(f"  ok    quorate; {', '.join(peers)} online and able to take over; nothing "
                 "failed; every group started")
        self.say("  ok    order: " + ("the secondary platform is upgraded" if
                                      platform == "primary" else "the secondary goes first"))
        elsewhere = [g for g, where in groups.items() if where != me]
        if elsewhere:
            self.say(f"  note  {', '.join(elsewhere)} run(s) on the peer: `nfvd-ha upgrade "
                     "begin` moves them here (the installer needs them on the node it "
                     "upgrades)")
        return platform

    def begin(self, platform: str | None = None) -> None:
        platform = self.check(platform)
        me = self.cluster.node_name()
        self.cluster.set_attribute(ATTRIBUTE, f"{platform}:in-progress")
        self._bring_groups_here(me)
        with reconcile_lock(self.files.reconcile_lock, who=WHO, clock=self.clock):
            write_atomic(self.files.lock, "# nfvd-ha upgrade begin: maintenance in place "
                                          "(guide 4.4); `nfvd-ha upgrade end` leaves it\n"
                                          f"mode={IN_PLACE}\nby={WHO}\n")
            self.reconciler.run()
        flag = "-s" if platform == "secondary" else "-p"
        self.say(f"{me} in maintenance in place: what runs here keeps running, unmanaged. "
                 "Now, as the guide says:")
        self.say(f"  {INSTALL} {flag} [-c <custom_files_dir>] /kits/archives")
        self.say(f"  {RECONFIGURE} {flag} -f")
        self.say("then: nfvd-ha upgrade end")

    def _bring_groups_here(self, me: str) -> None:
        """Move the groups that run on the peer here: a ban on the peer while they move
        (bounded), always cleared."""
        groups = {g: w for g, w in self.cluster.placement().items()
                  if g in set(self.cluster.groups()) and w is not None and w != me}
        for group, where in groups.items():
            self.say(f"moving {group} from {where} to {me} (a planned switchover)")
            self.cluster.ban(group, where)
        try:
            if groups and not self.cluster.wait_for(
                    lambda: all(self.cluster.placement().get(g) == me for g in groups),
                    self.timeout, 0.5):
                raise NfvdHaError(f"after {self.timeout:g}s, {', '.join(groups)} not started "
                                  f"on {me}", hint="crm_mon -1 says why; `nfvd-ha upgrade "
                                                   "end` is not needed: nothing was locked")
        finally:
            for group, where in groups.items():
                self.cluster.clear(group, where)

    def end(self, force: bool = False) -> None:
        """Leave maintenance, wait until settled, record the step done. Run again after a
        failure once fixed: it goes on from where it stopped."""
        me = self.cluster.node_name()
        mark = self.cluster.attributes().get(ATTRIBUTE) or ""
        lock = read_lock(self.files.lock).mode
        if not mark.endswith(":in-progress") or lock not in (IN_PLACE, None):
            raise NfvdHaError(f"{me} is not in an upgrade begun by `nfvd-ha upgrade begin` "
                              f"(attribute {ATTRIBUTE}={mark or 'absent'}, lock "
                              f"{lock or 'absent'})")
        platform = mark.split(":", 1)[0]
        if lock:
            self._services_back(force)
        with reconcile_lock(self.files.reconcile_lock, who=WHO, clock=self.clock):
            remove_lock(self.files.lock)
            self.reconciler.run()
        self.say(f"{me} out of maintenance: Pacemaker manages its services again")
        self._settled(me)
        if platform == "secondary":
            self.cluster.set_attribute(ATTRIBUTE, "secondary:done")
            self.say("secondary platform upgraded; next, on the primary: nfvd-ha upgrade "
                     "check, then nfvd-ha upgrade begin")
            return
        for node in [n.get("name") for n in self.cluster.status().xpath("//nodes/node")]:
            if self.cluster.attributes(node).get(ATTRIBUTE):
                self.cluster.delete_attribute(ATTRIBUTE, node)
        self.say("primary platform upgraded: the upgrade is over")

    def _services_back(self, force: bool) -> None:
        """The installer restarted what it stopped: the role's services run here."""
        rows = self.services.rows()
        here = set(installed(rows))
        wanted = [n for n in (*detect(rows).held, *detect(rows).local) if n in here]
        down = [n for n in wanted if n not in self.services.running(wanted, rows)]
        if down and not force:
            raise NfvdHaError(f"not running here after the upgrade: "
                              f"{', '.join(LABELS[n] for n in down)}",
                              hint="start them (nfv-director.sh -c NAME start) and run `upgrade "
                                   "end` again; --force leaves maintenance anyway and "
                                   "Pacemaker recovers them")
        for name in down:
            self.say(f"WARNING - forced: {LABELS[name]} is not running: Pacemaker recovers it")

    def _settled(self, me: str) -> None:
        if not self.cluster.settle(self.timeout):
            raise NfvdHaError(f"the cluster did not settle within {self.timeout:g}s",
                              hint="crm_mon -1 shows what is pending")
        status = self.cluster.status()
        found = [f"failed: {text}" for text in failures(status)]
        found += [f"{g} is not started anywhere" for g, where in
                  self.cluster.placement(status).items()
                  if g in set(self.cluster.groups(status)) and not where]
        if found:
            raise NfvdHaError(found, hint="crm_mon -1 says why; once fixed: crm_resource "
                                          "--cleanup, then `nfvd-ha upgrade end` again")
        self.say(f"settled: every group started, nothing failed ({me})")
