"""``nfvd-ha lab up|status|down``: the reference topology's lab on this machine (Docker).

Runs from a source checkout (it needs docker/). The Fulfillment pair runs Pacemaker with the
rendered example; the heartbeat pair runs the files rendered from docker/lab-heartbeat.toml.
"""

import os
import time

from .errors import NfvdHaError

PROJECT = "nfvdlab"
STATE = os.environ.get("NFVD_HA_LAB_DIR", "/var/tmp/nfvd-ha-lab")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FF_VIP, HB_VIP = "172.30.77.100", "172.30.77.160"


def _checkout():
    if not os.path.exists(os.path.join(REPO, "docker", "lab.yml")):
        raise NfvdHaError("the lab needs a source checkout of nfvd-ha (docker/lab.yml)",
                          hint="run nfvd-ha from the repository: pip install -e .")
    return REPO


def _compose(runner, image, *args):
    return runner.run(["docker-compose", "-f", os.path.join(_checkout(), "docker", "lab.yml"),
                       "-p", PROJECT, *args],
                      env={"NFVD_NODE_IMAGE": image, "NFVD_LAB_OUT": os.path.join(STATE, "out")},
                      check=True)


def _exec(runner, service, command, check=False):
    return runner.run(["docker", "exec", f"{PROJECT}_{service}_1", "sh", "-c", command],
                      check=check)


def _render(runner):
    from . import render
    out = os.path.join(STATE, "out")
    render.render(os.path.join(REPO, "nfvd_ha", "examples", "reference.toml"), out)
    render.render(os.path.join(REPO, "docker", "lab-heartbeat.toml"), out, ("heartbeat",))
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
    _compose(runner, image, "up", "-d")
    _wait(lambda: "partition with quorum" in _exec(runner, "ff-node1", "crm_mon -1").stdout,
          180, "the Fulfillment pair to elect a DC", progress)
    _exec(runner, "ff-node1", "crm configure load xml update /lab/out/nfvd-ff/cib.xml",
          check=True)
    _wait(lambda: "sosa on" in _exec(runner, "client", f"curl -s -m 2 http://{FF_VIP}:7001/")
          .stdout, 120, "SOSA to answer on the Fulfillment VIP", progress)
    return status(runner)


def status(runner):
    parts = [("Fulfillment pair (Pacemaker)", _exec(runner, "ff-node1", "crm_mon -1").stdout)]
    for vip, label in ((FF_VIP, "Fulfillment VIP"), (HB_VIP, "heartbeat VIP")):
        answer = _exec(runner, "client", f"curl -s -m 2 http://{vip}:7001/").stdout.strip()
        parts.append((f"{label} {vip}:7001", answer or "(no answer)"))
    for node in ("hb-node1", "hb-node2"):
        parts.append((f"{node} cl_status rscstatus",
                      _exec(runner, node, "cl_status rscstatus").stdout.strip() or "(down)"))
    return parts


def down(runner):
    _compose(runner, "unused", "down", "-t", "1")
