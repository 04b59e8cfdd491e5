"""nfvd-ha plan / apply on the running Fulfillment pair: Pacemaker's prediction, then the
change applied and seen in the cluster; a concurrent change refuses the plan; the original
definition applied again at the end (its own round trip)."""

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.cluster, pytest.mark.usefixtures("fresh_ff")]  # destructive: a fresh pair
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORIGINAL = Path(os.path.join(REPO, "docker", "lab-ff.toml")).read_text()
NODE = "ff-node1"


def definition(lab, text, path="/tmp/def.toml"):
    lab.write(NODE, path, text)
    return path


def edited(*edits):
    text = ORIGINAL
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def plan(lab, text):
    out = lab.nfvd_ha(NODE, "plan", definition(lab, text), "--cluster", "nfvd-ff", "--out",
                      "/tmp/ff.plan.json", "--force")
    assert out.returncode == 0, out.stderr
    return out.stdout


def apply(lab):
    return lab.nfvd_ha(NODE, "apply", "/tmp/ff.plan.json", "--timeout", "120", timeout=150)


def started_at(lab, rid):
    """When Pacemaker last started ``rid`` (its operation history), per node."""
    out = lab.cib(NODE, "--scope", "status")
    from lxml import etree
    status = etree.fromstring(out.encode())
    return {op.xpath("ancestor::node_state/@uname")[0]: int(op.get("last-rc-change"))
            for op in status.xpath(f"//lrm_resource[@id='{rid}']/lrm_rsc_op"
                                   "[@operation='start' and @rc-code='0']")}


def test_plan_predicts_and_apply_does_a_parameter_change_and_a_monitor_interval(lab, ff):
    lab.wait(lambda: ff.where("sosa-lockmgr"), 90, "the group started")
    lab.idle(NODE)
    holder = ff.where("ff-vip")
    assert "(none: the live CIB has what the definition says)" in plan(lab, ORIGINAL)
    before = started_at(lab, "ff-vip")[holder]
    said = plan(lab, edited(('label = "ff", dad_timeout_ms = 100', 'label = "ff", '
                                                                   'dad_timeout_ms = 200'),
                            ('ops = { monitor = { interval = "5s", timeout = "60s" } }',
                             'ops = { monitor = { interval = "10s", timeout = "60s" } }')))
    assert "  change group fulfillment: primitive ff-vip > param dad_timeout_ms: 100 -> 200" \
        in said.splitlines()
    assert f"Restart ff-vip ( {holder} ) due to resource definition change" in said
    assert "Resource action: hpsa monitor=10000 on ff-node2" in said
    done = apply(lab)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "The cluster settled; what was changed runs."
    assert started_at(lab, "ff-vip")[holder] > before                    # restarted: seen
    assert 'name="dad_timeout_ms" value="200"' in lab.cib(NODE)
    assert "10000" in lab.crm_resource(NODE, "--list-operations", "-r", "hpsa").stdout


def test_a_resource_added_to_the_group_and_a_new_preference_move_as_predicted(lab, ff):
    lab.idle(NODE)
    holder = ff.where("ff-vip")
    other = "ff-node2" if holder == "ff-node1" else "ff-node1"
    text = edited(('preferred_node = "ff-node1"', f'preferred_node = "{other}"'),
                  ("auto_failback = false ", "auto_failback = true  "),
                  ('members = ["ff-vip", "sosa-lockmgr"]',
                   'members = ["ff-vip", "sosa-lockmgr", "ff-vip2"]'),
                  ("  [[cluster.group]]\n", '  [[cluster.resource]]\n  id = "ff-vip2"\n'
                   '  type = "vip"\n  params = { ip = "172.30.77.102", cidr_netmask = 24, '
                   'nic = "eth0" }\n\n  [[cluster.group]]\n'))
    said = plan(lab, text)
    assert "  add primitive ff-vip2" not in said  # a group member: the group changes
    assert "change group fulfillment: add primitive ff-vip2" in said
    assert f"Move ff-vip ( {holder} -> {other} )" in said
    assert f"Start ff-vip2 ( {other} )" in said
    done = apply(lab)
    assert done.returncode == 0, done.stderr
    assert all(ff.where(r) == other for r in ("ff-vip", "sosa-lockmgr", "ff-vip2"))


def test_a_concurrent_change_refuses_the_plan_and_the_original_goes_back(lab, ff):
    lab.idle(NODE)
    plan(lab, ORIGINAL)
    assert lab.run(NODE, "crm_attribute", "--name", "cluster-recheck-interval", "--update",
                   "2min").returncode == 0                                # someone else
    refused = apply(lab)
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: the live CIB changed since this plan")
    assert "ff-vip2" in lab.cib(NODE, "--scope", "resources")  # unchanged
    said = plan(lab, ORIGINAL)                                           # plan again
    assert "set crm_config cluster-recheck-interval: 2min -> 1min" in said
    done = apply(lab)
    assert done.returncode == 0, done.stderr
    assert "ff-vip2" not in lab.cib(NODE, "--scope", "resources")
    assert "(none: the live CIB has what the definition says)" in plan(lab, ORIGINAL)
