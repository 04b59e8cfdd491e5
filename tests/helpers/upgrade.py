"""The guide's upgrade (4.4) walked with `nfvd-ha upgrade` on the lab's Assurance pair, with
the NFVD stand-ins' installer (docker/standins: `nfvd-install.sh -s|-p KITDIR` installs the
kit's VERSION and restarts what ran), shared by tests/cluster/test_rolling_upgrade.py and
bench/upgrade.py. The client asks the Assurance Gateway through the VIP all along."""

import itertools
import time

from helpers.lab import gap_and_failures, timed_requests

PAIR = ("aa-node1", "aa-node2")        # the primary platform is aa-node1 (preferred node)
GROUP = "assurance"
VIP_URL = "http://172.30.77.101:8085/"
INSTALL_DIR = "/opt/HPE/nfvd/install"
KIT = "/kits/archives"
STANDIN = "/opt/nfvd-standin/nfvd-standin"


def deliver_kit(lab, version):
    """What the guide has the operator do before 4.4: the kit on every node, the installer in
    place (here: the stand-in under the installer's names)."""
    for node in PAIR:
        lab.write(node, f"{KIT}/VERSION", f"{version}\n")
        lab.ok(node, "mkdir", "-p", INSTALL_DIR)
        for name in ("nfvd-install.sh", "nfvd-reconfigure.sh"):
            lab.ok(node, "ln", "-sf", STANDIN, f"{INSTALL_DIR}/{name}")


def version(lab, node):
    return lab.ok(node, "/opt/HPE/nfvd/bin/nfv-director.sh", "version").strip()


def upgrade_node(lab, pcmk, node, flag, log, steps):
    """One platform, as docs/operator/upgrade.md says: check, begin, the installer,
    reconfigure, end; each step's (label, start, end) in ``steps`` (epoch seconds, the
    client's clock)."""
    for label, command in (("upgrade check", ("nfvd-ha", "upgrade", "check")),
                           ("upgrade begin", ("nfvd-ha", "upgrade", "begin", "--timeout", "120")),
                           (f"nfvd-install.sh {flag}",
                            (f"{INSTALL_DIR}/nfvd-install.sh", flag, KIT)),
                           (f"nfvd-reconfigure.sh {flag} -f",
                            (f"{INSTALL_DIR}/nfvd-reconfigure.sh", flag, "-f")),
                           ("upgrade end", ("nfvd-ha", "upgrade", "end", "--timeout", "120"))):
        started = time.time()
        log.append(lab.ok(node, *command, timeout=300))
        steps.append((f"{node} {label}", started, time.time()))
        if label == "upgrade begin":
            assert pcmk.where(GROUP) == node, f"{GROUP} not on {node} after upgrade begin"


class Walk:
    """What one upgrade did: the commands' outputs, the steps' times, the client's samples."""

    def __init__(self, log, steps, samples):
        self.log, self.steps, self.samples = log, steps, samples
        self.gap, self.failed = gap_and_failures(samples)

    def by_step(self):
        """[(step, failed requests, longest gap)] for the steps where requests failed: a
        failure belongs to the step it happened in, a gap to the step its middle fell in."""
        answered = [float(t) for t, code in self.samples if code == "200"]
        gaps = list(itertools.pairwise(answered))
        found = []
        for label, start, end in self.steps:
            failed = sum(1 for t, code in self.samples
                         if code != "200" and start <= float(t) <= end)
            gap = max((b - a for a, b in gaps if start <= (a + b) / 2 <= end), default=0.0)
            if failed:
                found.append((label, failed, gap))
        return found


def walk(lab, pcmk, new, name):
    """The whole upgrade, secondary then primary, with traffic through the VIP."""
    deliver_kit(lab, new)
    read = timed_requests(lab, VIP_URL, 600, name)
    lab.wait(lambda: len(read()) >= 10, 20, "requests flowing")
    log: list[str] = []
    steps: list[tuple[str, float, float]] = []
    upgrade_node(lab, pcmk, "aa-node2", "-s", log, steps)
    upgrade_node(lab, pcmk, "aa-node1", "-p", log, steps)
    count = len(read())
    lab.wait(lambda: len(read()) >= count + 10, 20, "requests after the upgrade")
    samples = [s for s in read() if s != ("done",)]
    lab.run("client", "pkill", "-f", f"[/]tmp/{name}")
    return Walk(log, steps, samples)
