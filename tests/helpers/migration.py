"""The rolling heartbeat -> Pacemaker migration of the lab's heartbeat pair
(docs/operator/migration.md, step by step), shared by tests/cluster/test_migration.py and
bench/migration.py. The lab's nodes have no systemd: where a host would run `systemctl start
corosync` / `pacemaker`, the daemons are started here the same way the lab starts them."""

import base64

DEFINITION, KEYS = "/root/nfvd-hb.toml", "/root/nfvd-ha-keys"
VIP = "172.30.77.160"


def run(lab, node, command, timeout=120):
    done = lab.sh(node, command, timeout=timeout)
    assert done.returncode == 0, f"{node}: {command}: {done.stdout}{done.stderr}"
    return done.stdout


def copy(lab, source, target, path):
    """A file from one node to the other (as an operator's scp would)."""
    data = run(lab, source, f"base64 -w0 {path}").strip()
    base64.b64decode(data)  # it is what it says
    run(lab, target, f"mkdir -p $(dirname {path}) && echo {data} | base64 -d > {path}.new && "
                     f"chmod --reference={path} {path}.new 2>/dev/null; mv {path}.new {path}")


def start_corosync(lab, node):
    run(lab, node, "mkdir -p /var/log/cluster && corosync")  # it daemonizes, then comes up
    lab.wait(lambda: lab.sh(node, "corosync-cfgtool -s").returncode == 0, 30,
             f"corosync on {node}")


def start_pacemaker(lab, node):
    run(lab, node, "mkdir -p /var/log/pacemaker /run/pacemaker && "
                   "(setsid /usr/sbin/pacemakerd >/dev/null 2>&1 &)")


def prepare(lab, holder, passive):
    """Steps 1-4, no downtime: the definition imported from the running heartbeat files, one
    key, both nodes configured; the passive node leaves heartbeat for Pacemaker; the holder
    joins corosync (heartbeat still serving); the CIB loaded in maintenance mode."""
    run(lab, holder, f"nfvd-ha import-heartbeat /etc/ha.d --name nfvd-hb --out {DEFINITION}")
    run(lab, holder, f"nfvd-ha keygen {DEFINITION} --out {KEYS}")
    copy(lab, holder, passive, DEFINITION)
    copy(lab, holder, passive, f"{KEYS}/nfvd-hb/authkey")
    run(lab, passive, f"chmod 0400 {KEYS}/nfvd-hb/authkey")
    run(lab, passive, "/etc/init.d/heartbeat stop", timeout=90)
    for node in (passive, holder):
        run(lab, node, f"nfvd-ha node setup {DEFINITION} --node {node} --keys {KEYS} "
                       "--no-start")
    start_corosync(lab, passive)
    start_pacemaker(lab, passive)
    start_corosync(lab, holder)       # quorum for the new cluster; heartbeat still serves
    lab.wait(lambda: "partition with quorum" in lab.sh(passive, "crm_mon -1").stdout, 120,
             f"Pacemaker on {passive} quorate")
    run(lab, passive, "crm_attribute --name maintenance-mode --update true")
    run(lab, passive, f"nfvd-ha plan {DEFINITION} --cluster nfvd-hb --out /root/hb.plan.json"
                      " && nfvd-ha apply /root/hb.plan.json")


def released(lab, holder):
    """Heartbeat released the group here: the VIP gone, SOSA and Lock Manager stopped."""
    return VIP not in lab.sh(holder, "ip -4 -o addr").stdout and "application is running" \
        not in lab.sh(holder, "/opt/HPE/nfvd/fulfillment/scripts/activator-ep check").stdout


def hand_over(lab, holder, passive):
    """Step 5, the downtime: heartbeat stops the group on the holder; once it is released
    (not once heartbeat has finished exiting, which takes longer), Pacemaker starts it on
    the passive node (maintenance mode off)."""
    run(lab, holder, "(setsid /etc/init.d/heartbeat stop >/tmp/heartbeat-stop.log 2>&1 &)")
    lab.wait(lambda: released(lab, holder), 60, f"heartbeat releasing the group on {holder}",
             interval=0.05)
    run(lab, passive, "crm_attribute --name maintenance-mode --delete")
    lab.wait(lambda: "heartbeat" not in lab.sh(holder, "ps -eo comm").stdout, 90,
             f"heartbeat gone from {holder}")


def finish(lab, holder):
    """Step 6: the former holder runs Pacemaker too (no failback: stickiness)."""
    start_pacemaker(lab, holder)
