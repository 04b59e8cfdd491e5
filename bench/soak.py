#!/usr/bin/env python3
"""Soak: the rendered example's timing under load — no spurious membership change.

  sudo python3 bench/soak.py [--minutes 10] [--hogs 4]

Brings up the Fulfillment and Assurance pairs (Pacemaker, rendered example / lab-aa), keeps
every core of the machine busy with CPU hogs (plain busy loops at normal priority, on the
host), and samples corosync's ring id (`corosync-quorumtool -s`: it changes on any
membership change, however short) and Pacemaker's view every 10 s. Exits 1 if a ring id
changed or a node was ever seen offline.
"""
import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests"))
from helpers.lab import Lab, Pacemaker  # noqa: E402

PAIRS = {"nfvd-ff": ("ff-node1", "ff-node2"), "nfvd-aa": ("aa-node1", "aa-node2")}


def ring(lab, node):
    out = lab.sh(node, "corosync-quorumtool -s").stdout
    return next((l.split(":", 1)[1].strip() for l in out.splitlines()
                 if l.startswith("Ring ID")), None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--hogs", type=int, default=os.cpu_count() * 2)
    args = parser.parse_args()
    image = subprocess.run(["bash", os.path.join(REPO, "docker", "build-images.sh")],
                           check=True, capture_output=True, text=True).stdout.split()[-1]
    out = tempfile.mkdtemp(prefix="nfvd-soak-")
    os.chmod(out, 0o755)
    for definition, targets in (("nfvd_ha/examples/reference.toml", ["all"]),
                                ("docker/lab-aa.toml", ["cib", "corosync"])):
        subprocess.run(["nfvd-ha", "render", os.path.join(REPO, definition), "--out", out]
                       + [a for t in targets for a in ("--target", t)], check=True,
                       capture_output=True)
    disk = subprocess.run(["bash", os.path.join(REPO, "docker", "shared-disk.sh"), "up",
                           "soak"], check=True, capture_output=True, text=True).stdout.strip()
    env = dict(os.environ, NFVD_LAB_OUT=out, NFVD_NODE_IMAGE=image, NFVD_LAB_DISK=disk)
    compose = ["docker-compose", "-f", os.path.join(REPO, "docker", "lab.yml"), "-p", "soak"]
    subprocess.run(compose + ["up", "-d", *[n for p in PAIRS.values() for n in p]], env=env,
                   check=True, capture_output=True)
    hogs = []
    try:
        lab = Lab("soak")
        for name, pair in PAIRS.items():
            pcmk = Pacemaker(lab, list(pair))
            lab.wait(lambda: pcmk.online() == set(pair), 180, f"{name} online")
            lab.sh(pair[0], f"crm configure load xml update /lab/out/{name}/cib.xml", check=True)
        time.sleep(10)
        before = {n: ring(lab, n) for p in PAIRS.values() for n in p}
        hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _ in range(args.hogs)]
        print(f"# {platform.node()}: {os.cpu_count()} cores, {platform.platform()}; "
              f"{args.hogs} CPU hogs for {args.minutes:g} min; rings {before}", flush=True)
        offline, changed, end = [], set(), time.time() + args.minutes * 60
        while time.time() < end:
            time.sleep(10)
            for name, pair in PAIRS.items():
                seen = Pacemaker(lab, list(pair)).online()
                if seen != set(pair):
                    offline.append((time.strftime("%T"), name, sorted(seen)))
            now = {n: ring(lab, n) for n in before}
            changed |= {n for n in before if now[n] != before[n]}
            load = os.getloadavg()[0]
            print(f"{time.strftime('%T')} load {load:.1f} rings "
                  f"{'unchanged' if not changed else sorted(changed)} offline {len(offline)}",
                  flush=True)
        ok = not changed and not offline
        print(f"RESULT: {'no membership change' if ok else 'MEMBERSHIP CHANGED'} in "
              f"{args.minutes:g} min under load; ring ids {before} -> {now}; "
              f"offline samples {offline}")
        return 0 if ok else 1
    finally:
        for hog in hogs:
            hog.kill()
        subprocess.run(compose + ["down", "-t", "1"], env=env, capture_output=True)
        subprocess.run(["bash", os.path.join(REPO, "docker", "shared-disk.sh"), "down", "soak"],
                       capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
