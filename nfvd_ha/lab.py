"""``nfvd-ha lab up|status|down``: the reference topology's lab on this machine (Docker).

Runs from a source checkout (it needs docker/). The Fulfillment pair runs Pacemaker with the
rendered example; the Assurance pair the example's AA cluster on a shared disk
(docker/lab-aa.toml: the kernel here has no NFS); the heartbeat pair the files rendered from
docker/lab-heartbeat.toml; HAProxy docker/lab-lb.toml in front of GUI, FF API and SiteScope.
"""

import os
import time

from .errors import NfvdHaError

PROJECT = "nfvdlab"
STATE = os.environ.get("NFVD_HA_LAB_DIR", "/var/tmp/nfvd-ha-lab")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FF_VIP, AA_VIP, HB_VIP = "172.30.77.100", "172.30.77.101", "172.30.77.160"


def _checkout():
    if not os.path.exists(os.path.join(REPO, "docker", "lab.yml")):
        raise NfvdHaError("the lab needs a source checkout of nfvd-ha (docker/lab.yml)",
                          hint="run nfvd-ha from the repository: pip install -e .")
    return REPO


def _compose(runner, image, disk, *args):
    return runner.run(["docker-compose", "-f", os.path.join(_checkout(), "docker", "lab.yml"),
                       "-p", PROJECT, *args],
                      env={"NFVD_NODE_IMAGE": image, "NFVD_LAB_OUT": os.path.join(STATE, "out"),
                           "NFVD_LAB_DISK": disk}, check=True)


def _disk(runner, action):
    return runner.run(["bash", os.path.join(_checkout(), "docker", "shared-disk.sh"), action,
                       PROJECT], check=True).stdout.strip()


def _exec(runner, service, command, check=False):
    return runner.run(["docker", "exec", f"{PROJECT}_{service}_1", "sh", "-c", command],
                      check=check)


def _render(runner):
    from . import render
    out = os.path.join(STATE, "out")
    render.render(os.path.join(REPO, "nfvd_ha", "examples", "reference.toml"), out)
    render.render(os.path.join(REPO, "docker", "lab-aa.toml"), out, ("cib", "corosync"))
    render.render(os.path.join(REPO, "docker", "lab-heartbeat.toml"), out, ("heartbeat",))
    render.render(os.path.join(REPO, "docker", "lab-lb.toml"), out, ("haproxy",))
    os.chmod(STATE, 0o755)
    os.chmod(out, 0o755)


def _image(runner):
    out = runner.run(["bash", os.path.join(_checkout(), "docker", "build-images.sh")],
                     check=True)
    return out.stdout.split()[-1]


def _wait(predicate, timeout, what, progress):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        progress(f"waiting for {what}...")
        time.sleep(2)
    raise NfvdHaError(f"timed out after {timeout}s waiting for {what}",
                      hint="nfvd-ha lab status shows what the nodes say")


def up(runner, progress):
    _checkout()
    os.makedirs(STATE, exist_ok=True)
    _render(runner)
    image = _image(runner)
    progress(f"starting containers ({image})")
    _compose(runner, image, _disk(runner, "up"), "up", "-d")
    for node, name, cluster in (("ff-node1", "Fulfillment", "nfvd-ff"),
                                ("aa-node1", "Assurance", "nfvd-aa")):
        _wait(lambda: "partition with quorum" in _exec(runner, node, "crm_mon -1").stdout,
              180, f"the {name} pair to elect a DC", progress)
        _exec(runner, node, f"crm configure load xml update /lab/out/{cluster}/cib.xml",
              check=True)
    for vip, port, what in ((FF_VIP, 7001, "SOSA"), (AA_VIP, 8085, "the Assurance Gateway")):
        _wait(lambda: " on " in _exec(runner, "client", f"curl -s -m 2 http://{vip}:{port}/")
              .stdout, 120, f"{what} to answer on its VIP", progress)
    return status(runner)


def status(runner):
    parts = [("Fulfillment pair (Pacemaker)", _exec(runner, "ff-node1", "crm_mon -1").stdout),
             ("Assurance pair (Pacemaker)", _exec(runner, "aa-node1", "crm_mon -1").stdout)]
    for vip, port, label in ((FF_VIP, 7001, "Fulfillment VIP"), (AA_VIP, 8085, "Assurance VIP"),
                             (HB_VIP, 7001, "heartbeat VIP"),
                             ("172.30.77.150", 3000, "GUI through HAProxy"),
                             ("172.30.77.151", 8080, "FF API through HAProxy"),
                             ("172.30.77.152", 18888, "SiteScope through HAProxy")):
        answer = _exec(runner, "client", f"curl -s -m 2 http://{vip}:{port}/").stdout.strip()
        parts.append((f"{label} {vip}:{port}", answer or "(no answer)"))
    for node in ("hb-node1", "hb-node2"):
        parts.append((f"{node} cl_status rscstatus",
                      _exec(runner, node, "cl_status rscstatus").stdout.strip() or "(down)"))
    return parts


def down(runner):
    _compose(runner, "unused", "/dev/null", "down", "-t", "1")
    _disk(runner, "down")
