"""The Docker lab of the reference topology: one lifecycle for ``nfvd-ha lab up|status|down``,
the cluster tests and the benches.

Runs from a source checkout (it needs docker/). The Fulfillment and Assurance pairs run
Pacemaker with the example's clusters, fenced through the lab's power switch (fence_docker,
docker/lab-ff.toml, lab-aa.toml), with a quorum device (corosync-qnetd, TLS) and two links;
the heartbeat pair the files rendered from docker/lab-heartbeat.toml; HAProxy
docker/lab-lb.toml in front of GUI, FF API and SiteScope.
"""

import functools
import os
import shutil
from collections.abc import Callable, Iterable

from .. import paths
from ..adapters.runner import CommandRunner, Result, Runner
from ..clock import REAL, Clock
from ..errors import NfvdHaError

PROJECT = "nfvdlab"
REPO = paths.SOURCE
FF_VIP, AA_VIP, HB_VIP = "172.30.77.100", "172.30.77.101", "172.30.77.160"
POWER_IP = "172.30.79.2"
PAIRS = {"nfvd-ff": ("ff-node1", "ff-node2"), "nfvd-aa": ("aa-node1", "aa-node2")}
LB_VIP = "172.30.77.170"  # the HA load balancer pair's VIP (lab-lbpair.toml)
#: every Pacemaker pair of the lab: the NFVD pairs and the HA load balancer
CLUSTERS = {**PAIRS, "nfvd-lb": ("lb-node1", "lb-node2")}
#: (definition, what of it the lab renders, where under out/)
DEFINITIONS = (("docker/lab-ff.toml", ("cib", "corosync"), ""),
               ("docker/lab-aa.toml", ("cib", "corosync"), ""),
               ("docker/lab-heartbeat.toml", ("heartbeat",), ""),
               ("docker/lab-lb.toml", ("haproxy",), ""),
               ("docker/lab-lbpair.toml", ("cib", "corosync"), ""),
               ("docker/lab-lbpair.toml", ("haproxy",), "lbpair"))
#: state directories (under the lab's state) and who writes them
STATE_DIRS = ("out", "pki", "qdevice", "shared/ff/data", "shared/ff/images", "shared/aa/data",
              "acks", "watch", "power")
UCA = 1500  # the uca user of the node image owns the Assurance data
UOC = 50010  # the uoc user of the node image (the guide's uid) owns the image repository
TIMEOUT = 600  # seconds for a compose or image command
NETWORK_GRACE = 30  # seconds Docker gets to let go of a network whose containers are gone
#: the platform stacks the lab's images are built from (docker/build-base.sh): Debian 12
#: (Pacemaker 2.1.5, corosync 3.1.7, crmsh 4.4) and Debian 13 (Pacemaker 3.0, corosync
#: 3.1.9, crmsh 5.0, pcs 0.12); NFVD_HA_LAB_STACK picks one when no caller does
STACKS = ("bookworm", "trixie")
STACK_ENV = "NFVD_HA_LAB_STACK"


def chosen_stack(stack: str | None = None) -> str:
    """``stack``, else $NFVD_HA_LAB_STACK, else bookworm; NfvdHaError when not one of STACKS."""
    chosen = stack or os.environ.get(STACK_ENV) or STACKS[0]
    if chosen not in STACKS:
        raise NfvdHaError(f"lab stack {chosen!r} is not one of {', '.join(STACKS)}",
                          hint=f"set {STACK_ENV} (or --stack) to one of them")
    return chosen


def checkout() -> str:
    """The source checkout the lab runs from; NfvdHaError when nfvd-ha runs from none."""
    if not os.path.exists(os.path.join(REPO, "docker", "lab.yml")):
        raise NfvdHaError("the lab needs a source checkout of nfvd-ha (docker/lab.yml)",
                          hint="run nfvd-ha from the repository: pip install -e .")
    return REPO


class Lab:
    """The Docker lab of the reference topology: files, images, containers, clusters."""

    def __init__(self, runner: CommandRunner, project: str = PROJECT, state: str | None = None,
                 clock: Clock = REAL,
                 progress: Callable[[str], object] = lambda text: None,
                 stack: str | None = None) -> None:
        self.runner, self.project, self.clock, self.progress = runner, project, clock, progress
        self.stack = chosen_stack(stack)
        self.state = state or os.environ.get("NFVD_HA_LAB_DIR") or paths.LAB_STATE
        self.image: str | None = None

    # -- files --------------------------------------------------------------------------------
    def path(self, *parts: str) -> str:
        return os.path.join(self.state, *parts)

    def prepare(self, definitions: Iterable[tuple[str, tuple[str, ...], str]] = DEFINITIONS
                ) -> None:
        """Render the lab's definitions ((path, targets, directory under out/); relative
        paths are the checkout's), make its keys and state directories."""
        from . import render
        checkout()
        for rel in STATE_DIRS:
            os.makedirs(self.path(rel), exist_ok=True)
        for rel in ("shared/aa", "shared/aa/data"):
            os.chown(self.path(rel), UCA, UCA)
        os.chown(self.path("shared/ff/images"), UOC, 0)  # uoc:root, as guide 2.3.7.2 says
        os.makedirs(self.path("out", "definitions"), exist_ok=True)
        for definition, targets, where in definitions:
            source = os.path.join(REPO, definition)
            render.render(source, self.path("out", where), targets)
            # the nodes set themselves up from their definition (nfvd-ha node setup)
            shutil.copyfile(source, self.path("out", "definitions", os.path.basename(source)))
        self._pki()
        for directory, _, _ in os.walk(self.state):
            os.chmod(directory, 0o755)  # containers read them (their files keep their modes)

    def _pki(self) -> None:
        """The power switch's TLS: a lab CA, the switch's certificate, the nodes' client
        certificate (keys 0600, made once)."""
        pki = self.path("pki")
        if os.path.exists(os.path.join(pki, "node.crt")):
            return
        ext = os.path.join(pki, "power.ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName=IP:{POWER_IP}\n")
        key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        self._openssl(["req", "-x509", *key, "-keyout", f"{pki}/ca.key", "-out",
                       f"{pki}/ca.crt", "-days", "30", "-subj", "/CN=nfvd-lab power switch CA"])
        for name, extra in (("power", ["-extfile", ext]), ("node", [])):
            self._openssl(["req", *key, "-keyout", f"{pki}/{name}.key", "-out",
                           f"{pki}/{name}.csr", "-subj", f"/CN=nfvd-lab {name}"])
            self._openssl(["x509", "-req", "-in", f"{pki}/{name}.csr", "-CA", f"{pki}/ca.crt",
                           "-CAkey", f"{pki}/ca.key", "-CAcreateserial", "-days", "30", "-out",
                           f"{pki}/{name}.crt", *extra])
        for entry in os.listdir(pki):
            os.chmod(os.path.join(pki, entry), 0o600 if entry.endswith(".key") else 0o644)

    def _openssl(self, argv: list[str]) -> None:
        self.runner.run(["openssl", *argv], timeout=60, check=True)

    # -- containers ---------------------------------------------------------------------------
    def build_image(self) -> str:
        out = self.runner.run(["bash", os.path.join(checkout(), "docker", "build-images.sh"),
                               self.stack], timeout=1800, check=True)
        self.image = out.stdout.split()[-1]
        return self.image

    def environment(self) -> dict[str, str]:
        return {"NFVD_NODE_IMAGE": self.image or "unused", "NFVD_LAB_OUT": self.path("out"),
                "NFVD_LAB_STATE": self.state, "NFVD_LAB_PROJECT": self.project}

    def compose(self, *args: str, check: bool = True) -> Result:
        return self.runner.run(["docker-compose", "-f", os.path.join(checkout(), "docker",
                                                                     "lab.yml"),
                                "-p", self.project, *args], timeout=TIMEOUT,
                               env=self.environment(), check=check)

    def container(self, service: str) -> str:
        return f"{self.project}_{service}_1"

    def sh(self, service: str, command: str, timeout: float = 60, check: bool = False) -> Result:
        return self.runner.run(["docker", "exec", self.container(service), "sh", "-c", command],
                               timeout=timeout, check=check)

    def wait(self, predicate: Callable[[], object], timeout: float, what: str) -> None:
        def attempt() -> object:
            try:
                return predicate()
            except NfvdHaError:
                return None
        if not self.clock.wait_for(attempt, timeout, 1.0):
            raise NfvdHaError(f"timed out after {timeout}s waiting for {what}",
                              hint="nfvd-ha lab status shows what the nodes say")

    def pair_ready(self, cluster: str) -> bool:
        """A DC elected, both nodes online (crm_mon's own words)."""
        nodes = CLUSTERS[cluster]
        out = self.sh(nodes[0], "crm_mon -1").stdout
        return "partition with quorum" in out and f"Online: [ {' '.join(nodes)} ]" in out

    def corosync_died(self, service: str) -> bool:
        """The node started Pacemaker, and its corosync is gone."""
        return self.sh(service, "pidof pacemakerd >/dev/null && ! pidof corosync >/dev/null"
                       ).returncode == 0

    def pair_up(self, cluster: str, timeout: float = 180) -> None:
        """Wait for ``cluster``'s DC and both nodes. corosync 3.1.7 can abort while a pair and
        its quorum device start together (votequorum asserts on a quorum-device vote relayed
        by a node it does not know yet); a node left without corosync is power-cycled once, as
        the peer's fencing does once the CIB has its fence devices (Debian's corosync unit
        does not restart it either)."""
        cycled = set()

        def ready() -> bool:
            if self.pair_ready(cluster):
                return True
            for node in CLUSTERS[cluster]:
                if node not in cycled and self.corosync_died(node):
                    self.progress(f"{node}: corosync exited while {cluster} formed; "
                                  "power-cycling it, as fencing would")
                    cycled.add(node)
                    self.runner.run(["docker", "restart", "-t", "0", self.container(node)],
                                    timeout=60, check=True)
            return False
        self.wait(ready, timeout, f"{cluster}: a DC and both nodes online")

    def load_cib(self, cluster: str) -> None:
        """The rendered CIB, through crmsh, once per new pair (its update is no merge)."""
        node = CLUSTERS[cluster][0]
        if "<primitive" not in self.sh(node, "cibadmin -Q --scope resources").stdout:
            self.sh(node, f"crm configure load xml update /lab/out/{cluster}/cib.xml",
                    check=True)

    def up(self) -> None:
        self.prepare()
        self.progress(f"starting containers ({self.build_image()})")
        self.compose("up", "-d")
        for cluster in CLUSTERS:
            self.pair_up(cluster)
            self.load_cib(cluster)
        for vip, port, what in ((FF_VIP, 7001, "SOSA"), (AA_VIP, 8085, "the Assurance Gateway")):
            self.wait(self._answers(f"http://{vip}:{port}/"), 180, f"{what} to answer on its VIP")

    def _answers(self, url: str) -> Callable[[], bool]:
        """Whether a stand-in answers at ``url`` ("NAME on NODE")."""
        return lambda: " on " in self.curl(url)

    def curl(self, url: str) -> str:
        return self.sh("client", f"curl -s -m 2 {url}").stdout

    def status(self) -> list[tuple[str, str]]:
        parts = [("Fulfillment pair (Pacemaker)", self.sh("ff-node1", "crm_mon -1").stdout),
                 ("Assurance pair (Pacemaker)", self.sh("aa-node1", "crm_mon -1").stdout),
                 ("Load balancer pair (Pacemaker)", self.sh("lb-node1", "crm_mon -1").stdout),
                 ("Quorum device (corosync-qnetd)",
                  self.sh("qnetd", "corosync-qnetd-tool -l").stdout)]
        for vip, port, label in ((FF_VIP, 7001, "Fulfillment VIP"),
                                 (AA_VIP, 8085, "Assurance VIP"),
                                 (HB_VIP, 7001, "heartbeat VIP"),
                                 ("172.30.77.150", 3000, "GUI through HAProxy"),
                                 ("172.30.77.151", 8080, "FF API through HAProxy"),
                                 ("172.30.77.152", 18888, "SiteScope through HAProxy"),
                                 (LB_VIP, 3000, "GUI through the HAProxy pair")):
            answer = self.curl(f"http://{vip}:{port}/").strip()
            parts.append((f"{label} {vip}:{port}", answer or "(no answer)"))
        for node in ("hb-node1", "hb-node2"):
            parts.append((f"{node} cl_status rscstatus",
                          self.sh(node, "cl_status rscstatus").stdout.strip() or "(down)"))
        return parts

    def down(self) -> None:
        """Remove the lab's containers, volumes and networks. Docker can refuse to remove a
        network whose containers are all gone ("has active endpoints": moby/moby#17217,
        #42119); its stale endpoints are disconnected by force and the removal retried for
        up to NETWORK_GRACE seconds, since a network left behind holds the lab's fixed
        subnets and no later lab could start."""
        self.compose("down", "-v", "-t", "1", check=False)
        left = self._docker("ps", "-aq", "--filter", self._label).stdout.split()
        if left:
            raise NfvdHaError(f"lab {self.project}: containers {', '.join(left)} survived "
                              "'docker-compose down'", hint="docker rm -f them, then retry")
        for network in self._docker("network", "ls", "-q", "--filter", self._label,
                                    "--format", "{{.Name}}").stdout.split():
            if not self.clock.wait_for(functools.partial(self._removed, network),
                                       NETWORK_GRACE, 1.0):
                raise NfvdHaError(f"lab {self.project}: Docker keeps network {network} "
                                  f"(active endpoints) after {NETWORK_GRACE} s",
                                  hint="restart the Docker daemon (moby/moby#42119), then "
                                       "nfvd-ha lab down")

    @property
    def _label(self) -> str:
        return f"label=com.docker.compose.project={self.project}"

    def _docker(self, *argv: str) -> Result:
        return self.runner.run(["docker", *argv], timeout=60, check=False)

    def _removed(self, network: str) -> bool:
        """One try: stale endpoints disconnected by force, the network removed; whether it
        is gone."""
        endpoints = self._docker("network", "inspect", "--format",
                                 "{{range $id, $c := .Containers}}{{$id}} {{end}}", network)
        if endpoints.returncode != 0:
            return True  # gone already
        for endpoint in endpoints.stdout.split():
            self._docker("network", "disconnect", "-f", network, endpoint)
        return self._docker("network", "rm", network).returncode == 0


def up(runner: CommandRunner | None = None, progress: Callable[[str], object] = lambda text: None,
       stack: str | None = None) -> list[tuple[str, str]]:
    """Bring the lab up on ``stack`` (STACKS; default $NFVD_HA_LAB_STACK, else bookworm);
    what it says then."""
    lab = Lab(runner or Runner(), progress=progress, stack=stack)
    lab.up()
    return lab.status()


def status(runner: CommandRunner | None = None) -> list[tuple[str, str]]:
    """What the lab's clusters and VIPs say."""
    return Lab(runner or Runner()).status()


def down(runner: CommandRunner | None = None) -> None:
    """Remove the lab's containers and network."""
    Lab(runner or Runner()).down()
