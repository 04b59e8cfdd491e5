#!/usr/bin/env python3
"""Soak: the rendered example's timing under load — no spurious membership change.

  sudo python3 bench/soak.py [--minutes 10] [--hogs 4] [--timing 'keepalive = "150ms", ...']

Brings up the Fulfillment and Assurance pairs (Pacemaker, rendered example / lab-aa), keeps
every core of the machine busy with CPU hogs (plain busy loops at normal priority, on the
host), and samples corosync's ring id (`corosync-quorumtool -s`: it changes on any
membership change, however short) and Pacemaker's view every 10 s. Exits 1 if a ring id
changed or a node was ever seen offline. Also counts corosync's own "Token has not been
received in N ms" notices (printed at 75 % of the token timeout): the margin left.
--timing replaces the definitions' timing (to try a shorter token before rendering it).
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


def retimed(path, timing, out):
    with open(path) as f:
        text = f.read()
    lines = [f"timing = {{ {timing} }}" if l.startswith("timing = ") else l
             for l in text.splitlines()]
    copy = os.path.join(out, os.path.basename(path) + ".retimed.toml")
    with open(copy, "w") as f:
        f.write("\n".join(lines) + "\n")
    return copy


def token_warnings(lab, node):
    out = subprocess.run(["docker", "logs", lab.container(node)], capture_output=True,
                         text=True)
    return (out.stdout + out.stderr).count("Token has not been received")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--hogs", type=int, default=os.cpu_count() * 2)
    parser.add_argument("--timing", help='e.g. keepalive = "150ms", deadtime = "400ms", '
                                         'warntime = "300ms", initdead = "10s"')
    args = parser.parse_args()
    image = subprocess.run(["bash", os.path.join(REPO, "docker", "build-images.sh")],
                           check=True, capture_output=True, text=True).stdout.split()[-1]
    out = tempfile.mkdtemp(prefix="nfvd-soak-")
    os.chmod(out, 0o755)
    for definition, targets in (("nfvd_ha/examples/reference.toml", ["all"]),
                                ("docker/lab-aa.toml", ["cib", "corosync"])):
        path = os.path.join(REPO, definition)
        if args.timing:
            path = retimed(path, args.timing, out)
        subprocess.run(["nfvd-ha", "render", path, "--out", out]
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
        warned = {n: token_warnings(lab, n) for n in before}
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
        late = {n: token_warnings(lab, n) - warned[n] for n in before}
        token = lab.sh("ff-node1", "corosync-cmapctl -g runtime.config.totem.token").stdout
        print(f"RESULT: {'no membership change' if ok else 'MEMBERSHIP CHANGED'} in "
              f"{args.minutes:g} min under load ({token.strip()}); ring ids {before} -> "
              f"{now}; offline samples {offline}; 'Token has not been received' notices "
              f"during the run: {late}")
        return 0 if ok else 1
    finally:
        for hog in hogs:
            hog.kill()
        subprocess.run(compose + ["down", "-t", "1"], env=env, capture_output=True)
        subprocess.run(["bash", os.path.join(REPO, "docker", "shared-disk.sh"), "down", "soak"],
                       capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
