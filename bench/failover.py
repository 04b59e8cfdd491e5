#!/usr/bin/env python3
"""Node loss -> VIP *and* SOSA answering on the peer, side by side in one run:
our rendered Pacemaker config, heartbeat v1 with the guide's ha.cf (deadtime 30), and
heartbeat tuned (deadtime 2s). Also kill -9 SOSA -> answering again (Pacemaker).

  sudo python3 bench/failover.py [--runs 3]

Method: `docker kill` of the holder; a poller in the client container (same clock) asks
http://VIP:7001/ every 50 ms and notes the first answer from the peer's SOSA.
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))
from helpers.lab import Lab, Pacemaker  # noqa: E402

POLLER = """
import sys, time, urllib.request
url, want, deadline = sys.argv[1], sys.argv[2], time.time() + float(sys.argv[3])
while time.time() < deadline:
    try:
        if want in urllib.request.urlopen(url, timeout=0.2).read().decode():
            print(repr(time.time())); break
    except Exception:
        pass
    time.sleep(0.05)
"""
HB_GUIDE = {"keepalive": "2s", "deadtime": "30s", "initdead": "120s"}
HB_TUNED = {"keepalive": "500ms", "deadtime": "2s", "initdead": "10s"}


def compose(out, project, *args):
    env = dict(os.environ, NFVD_LAB_OUT=out, NFVD_NODE_IMAGE=IMAGE, NFVD_LAB_DISK="/dev/null")
    subprocess.run(["docker-compose", "-f", os.path.join(REPO, "docker", "lab.yml"), "-p",
                    project, *args], env=env, check=True, capture_output=True)


def measure(lab, vip, holder, peer, timeout=90):
    t0 = time.time()
    poll = subprocess.Popen(["docker", "exec", lab.container("client"), "python3", "-c", POLLER,
                             f"http://{vip}:7001/", f"sosa on {peer}", str(timeout)],
                            stdout=subprocess.PIPE, text=True)
    time.sleep(0.3)  # the poller is running (it only counts answers from the peer)
    t0 = time.time()
    lab.docker("kill", lab.container(holder))
    out = poll.communicate()[0].strip()
    if not out:
        raise SystemExit(f"no answer from {peer} within {timeout}s")
    return float(out) - t0


def pacemaker_runs(out, runs):
    lab, project = Lab("benchpcmk"), "benchpcmk"
    compose(out, project, "up", "-d", "ff-node1", "ff-node2", "client")
    try:
        ff = Pacemaker(lab, ["ff-node1", "ff-node2"])
        lab.wait(lambda: ff.online() == {"ff-node1", "ff-node2"}, 120, "both online")
        lab.sh("ff-node1", "crm configure load xml update /lab/out/nfvd-ff/cib.xml", check=True)
        lab.wait(lambda: ff.where("sosa-lockmgr"), 60, "sosa started")
        node_loss, process = [], []
        for _ in range(runs):
            holder = ff.where("sosa-lockmgr") or lab.wait(lambda: ff.where("sosa-lockmgr"), 60, "holder")
            peer = "ff-node2" if holder == "ff-node1" else "ff-node1"
            node_loss.append(measure(lab, "172.30.77.100", holder, peer))
            lab.docker("start", lab.container(holder))
            lab.wait(lambda: ff.online() == {"ff-node1", "ff-node2"}, 120, "rejoin")
            time.sleep(3)
        for _ in range(runs):
            holder = ff.where("sosa-lockmgr")
            before = lab.sh(holder, "cat /var/run/nfvd/sosa.pid").stdout.strip()
            t0 = time.time()
            lab.sh(holder, f"kill -9 {before}")
            lab.wait(lambda: lab.sh(holder, "cat /var/run/nfvd/sosa.pid").stdout.strip()
                     not in ("", before) and lab.curl("http://172.30.77.100:7001/").strip()
                     == f"sosa on {holder}", 60, "SOSA back", interval=0.05)
            process.append(time.time() - t0)
            lab.sh(holder, "crm_resource --cleanup -r sosa-lockmgr")
            time.sleep(3)
        return node_loss, process
    finally:
        compose(out, project, "down", "-t", "1")


def heartbeat_runs(out, runs):
    lab, project = Lab("benchhb"), "benchhb"
    compose(out, project, "up", "-d", "hb-node1", "hb-node2", "client")
    try:
        def holder():
            for n in ("hb-node1", "hb-node2"):
                if "sosa on " + n == lab.curl("http://172.30.77.160:7001/").strip():
                    return n
            return None
        results = []
        for _ in range(runs):
            h = lab.wait(holder, 180, "heartbeat holder")
            peer = "hb-node2" if h == "hb-node1" else "hb-node1"
            results.append(measure(lab, "172.30.77.160", h, peer))
            lab.docker("start", lab.container(h))
            time.sleep(5)
        return results
    finally:
        compose(out, project, "down", "-t", "1")


def render(definition, out, target="all"):
    subprocess.run(["nfvd-ha", "render", definition, "--out", out, "--target", target],
                   check=True, capture_output=True)
    os.chmod(out, 0o755)


def heartbeat_variant(timing, tmp):
    text = open(os.path.join(REPO, "docker", "lab-heartbeat.toml")).read()
    line = next(l for l in text.splitlines() if l.startswith("timing = "))
    new = "timing = { " + ", ".join(f'{k} = "{v}"' for k, v in timing.items()) + " }"
    path = os.path.join(tmp, f"hb-{timing['deadtime']}.toml")
    with open(path, "w") as f:
        f.write(text.replace(line, new))
    out = os.path.join(tmp, f"out-{timing['deadtime']}")
    render(path, out, "heartbeat")
    return out


def summary(label, values):
    print(f"{label:<52} median {statistics.median(values):6.2f} s   runs: "
          + " ".join(f"{v:.2f}" for v in values))


def main():
    global IMAGE
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pacemaker-only", action="store_true")
    args = parser.parse_args()
    IMAGE = subprocess.run(["bash", os.path.join(REPO, "docker", "build-images.sh")],
                           check=True, capture_output=True, text=True).stdout.split()[-1]
    tmp = tempfile.mkdtemp(prefix="nfvd-bench-")
    os.chmod(tmp, 0o755)
    out = os.path.join(tmp, "out-pcmk")
    render(os.path.join(REPO, "nfvd_ha", "examples", "reference.toml"), out)
    print(f"# {platform.node()}: {os.cpu_count()} cores, {platform.platform()}")
    node_loss, process = pacemaker_runs(out, args.runs)
    summary("Pacemaker, rendered example: node kill -> VIP+SOSA", node_loss)
    summary("Pacemaker, rendered example: kill -9 SOSA -> answering", process)
    if args.pacemaker_only:
        return
    summary("heartbeat, deadtime 2s: node kill -> VIP+SOSA",
            heartbeat_runs(heartbeat_variant(HB_TUNED, tmp), args.runs))
    summary("heartbeat, guide's ha.cf (deadtime 30): node kill -> VIP+SOSA",
            heartbeat_runs(heartbeat_variant(HB_GUIDE, tmp), args.runs))


if __name__ == "__main__":
    main()
