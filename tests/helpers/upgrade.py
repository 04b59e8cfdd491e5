"""The guide's upgrade (4.4) walked with `nfvd-ha upgrade` on the lab's Assurance pair, with
the NFVD stand-ins' installer (docker/standins: `nfvd-install.sh -s|-p KITDIR` installs the
kit's VERSION and restarts what ran), shared by tests/cluster/test_upgrade.py and
bench/upgrade.py. The client asks the Assurance Gateway through the VIP all along."""

from helpers.lab import gap_and_failures, timed_requests

PAIR = ("aa-node1", "aa-node2")        # the primary platform is aa-node1 (preferred node)
GROUP = "assurance"
VIP_URL = "http://172.30.77.101:8085/"
INSTALL_DIR = "/opt/HPE/nfvd/install"
KIT = "/kits/archives"
STANDIN = "/opt/nfvd-standin/nfvd-standin"


def run(lab, node, command, timeout=300):
    done = lab.sh(node, command, timeout=timeout)
    assert done.returncode == 0, f"{node}: {command}: {done.stdout}{done.stderr}"
    return done.stdout


def deliver_kit(lab, version):
    """What the guide has the operator do before 4.4: the kit on every node, the installer in
    place (here: the stand-in under the installer's names)."""
    for node in PAIR:
        run(lab, node, f"mkdir -p {INSTALL_DIR} {KIT} && echo {version} > {KIT}/VERSION && "
                       f"ln -sf {STANDIN} {INSTALL_DIR}/nfvd-install.sh && "
                       f"ln -sf {STANDIN} {INSTALL_DIR}/nfvd-reconfigure.sh")


def version(lab, node):
    return run(lab, node, "/opt/HPE/nfvd/bin/nfv-director.sh version").strip()


def upgrade_node(lab, pcmk, node, flag, log):
    """One platform, as the README says: check, begin, the installer, reconfigure, end."""
    log.append(run(lab, node, "nfvd-ha upgrade check"))
    log.append(run(lab, node, "nfvd-ha upgrade begin --timeout 120"))
    assert pcmk.where(GROUP) == node, f"{GROUP} not on {node} after upgrade begin"
    log.append(run(lab, node, f"{INSTALL_DIR}/nfvd-install.sh {flag} {KIT}"))
    log.append(run(lab, node, f"{INSTALL_DIR}/nfvd-reconfigure.sh {flag} -f"))
    log.append(run(lab, node, "nfvd-ha upgrade end --timeout 120"))


def walk(lab, pcmk, new, name):
    """The whole upgrade, secondary then primary, with traffic through the VIP; returns
    (longest gap, failed requests, the commands' outputs)."""
    deliver_kit(lab, new)
    read = timed_requests(lab, VIP_URL, 600, name)
    lab.wait(lambda: len(read()) >= 10, 20, "requests flowing")
    log: list[str] = []
    upgrade_node(lab, pcmk, "aa-node2", "-s", log)
    upgrade_node(lab, pcmk, "aa-node1", "-p", log)
    count = len(read())
    lab.wait(lambda: len(read()) >= count + 10, 20, "requests after the upgrade")
    gap, failed = gap_and_failures([s for s in read() if s != ("done",)])
    lab.sh("client", f"pkill -f '[/]tmp/{name}'")
    return gap, failed, log
