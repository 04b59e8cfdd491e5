"""The rolling heartbeat -> Pacemaker migration of the lab's heartbeat pair
(docs/operator/migration.md, step by step), shared by tests/cluster/test_migration.py and
bench/migration.py. The lab's nodes have no systemd: where a host would run `systemctl start
corosync` / `pacemaker`, the daemons are started here the same way the lab starts them."""

import base64
import posixpath

from .lab import Pacemaker

DEFINITION, KEYS = "/root/nfvd-hb.toml", "/root/nfvd-ha-keys"
VIP = "172.30.77.160"


def copy(lab, source, target, path):
    """A file from one node to the other (as an operator's scp would)."""
    data = lab.ok(source, "base64", "-w0", path).strip()
    base64.b64decode(data, validate=True)  # it is what it says
    lab.ok(target, "mkdir", "-p", posixpath.dirname(path))
    lab.ok(target, "sh", "-c", 'printf %s "$1" | base64 -d > "$2"', "copy", data, f"{path}.new")
    lab.run(target, "chmod", f"--reference={path}", f"{path}.new")  # a file there: its mode
    lab.ok(target, "mv", f"{path}.new", path)


def start_corosync(lab, node):
    lab.ok(node, "mkdir", "-p", "/var/log/cluster")
    lab.ok(node, "corosync")  # it daemonizes, then comes up
    lab.wait(lambda: lab.run(node, "corosync-cfgtool", "-s").returncode == 0, 30,
             f"corosync on {node}")


def start_pacemaker(lab, node):
    lab.ok(node, "mkdir", "-p", "/var/log/pacemaker", "/run/pacemaker")
    lab.spawn(node, "/usr/sbin/pacemakerd")


def prepare(lab, holder, passive):
    """Steps 1-4, no downtime: the definition imported from the running heartbeat files, one
    key, both nodes configured; the passive node leaves heartbeat for Pacemaker; the holder
    joins corosync (heartbeat still serving); the CIB loaded in maintenance mode."""
    lab.ok(holder, "nfvd-ha", "import-heartbeat", "/etc/ha.d", "--name", "nfvd-hb", "--out",
           DEFINITION)
    lab.ok(holder, "nfvd-ha", "keygen", DEFINITION, "--out", KEYS)
    copy(lab, holder, passive, DEFINITION)
    copy(lab, holder, passive, f"{KEYS}/nfvd-hb/authkey")
    lab.ok(passive, "chmod", "0400", f"{KEYS}/nfvd-hb/authkey")
    lab.ok(passive, "/etc/init.d/heartbeat", "stop", timeout=90)
    for node in (passive, holder):
        lab.ok(node, "nfvd-ha", "node", "setup", DEFINITION, "--node", node, "--keys", KEYS,
               "--no-start")
    start_corosync(lab, passive)
    start_pacemaker(lab, passive)
    start_corosync(lab, holder)       # quorum for the new cluster; heartbeat still serves
    pcmk = Pacemaker(lab, (passive,))
    lab.wait(lambda: pcmk.quorate(pcmk.look(passive)), 120, f"Pacemaker on {passive} quorate")
    lab.ok(passive, "crm_attribute", "--name", "maintenance-mode", "--update", "true")
    lab.ok(passive, "nfvd-ha", "plan", DEFINITION, "--cluster", "nfvd-hb", "--out",
           "/root/hb.plan.json")
    lab.ok(passive, "nfvd-ha", "apply", "/root/hb.plan.json", timeout=120)


def released(lab, holder):
    """Heartbeat released the group here: the VIP gone, SOSA and Lock Manager stopped."""
    return VIP not in lab.addresses(holder) and "application is running" not in lab.run(
        holder, "/opt/HPE/nfvd/fulfillment/scripts/activator-ep", "check").stdout


def hand_over(lab, holder, passive):
    """Step 5, the downtime: heartbeat stops the group on the holder; once it is released
    (not once heartbeat has finished exiting, which takes longer), Pacemaker starts it on
    the passive node (maintenance mode off)."""
    lab.spawn(holder, "/etc/init.d/heartbeat", "stop",  # the hand-over goes on while it ends
              log="/tmp/heartbeat-stop.log")
    lab.wait(lambda: released(lab, holder), 60, f"heartbeat releasing the group on {holder}",
             interval=0.05)
    lab.ok(passive, "crm_attribute", "--name", "maintenance-mode", "--delete")
    lab.wait(lambda: "heartbeat" not in lab.run(holder, "ps", "-eo", "comm").stdout, 90,
             f"heartbeat gone from {holder}")


def finish(lab, holder):
    """Step 6: the former holder runs Pacemaker too (no failback: stickiness)."""
    start_pacemaker(lab, holder)
