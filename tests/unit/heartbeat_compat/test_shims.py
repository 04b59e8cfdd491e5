"""cl_status rscstatus / hb_standby on Pacemaker, with a fake runner (exact argv)."""

import pytest

from heartbeat_compat.shims import ClusterView, rscstatus, standby
from nfvd_ha.runner import Result

CONSTRAINTS = """<constraints>
  <rsc_location id="location-fulfillment-ff-node1" node="ff-node1" rsc="fulfillment" score="100"/>
  <rsc_location id="location-batch-ff-node2" node="ff-node2" rsc="batch" score="100"/>
  <rsc_location id="cli-ban-batch-on-ff-node1" node="ff-node1" rsc="batch" score="-INFINITY"/>
</constraints>"""


def status(fulfillment, batch):
    def group(gid, node):
        inner = f'<node name="{node}" id="1"/>' if node else ""
        active = "true" if node else "false"
        role = "Started" if node else "Stopped"
        if node and node.endswith("+starting"):  # on its way: active, not yet Started
            node, role = node[:-len("+starting")], "Starting"
            inner = f'<node name="{node}" id="1"/>'
        return (f'<group id="{gid}" number_resources="1"><resource id="{gid}-r" '
                f'active="{active}" role="{role}">{inner}</resource></group>')
    return ("<pacemaker-result><resources>" + group("fulfillment", fulfillment)
            + group("batch", batch) + '<clone id="img"><resource id="img-r" active="true" '
            'role="Started"><node name="ff-node1"/></resource></clone></resources>'
            "</pacemaker-result>")


class FakeRunner:
    def __init__(self, me, placements):
        self.me, self.placements, self.calls = me, list(placements), []

    def run(self, argv, env=None, timeout=600, check=False):
        self.calls.append(argv)
        out = {"crm_node": self.me + "\n", "cibadmin": CONSTRAINTS}.get(argv[0], "")
        if argv[0] == "crm_mon":
            out = status(*self.placements[0])
            if len(self.placements) > 1:
                self.placements.pop(0)
        return Result(argv, 0, out, "")


@pytest.mark.parametrize("me,placement,expected", [
    ("ff-node1", ("ff-node1", "ff-node1"), "all"),
    ("ff-node1", ("ff-node1", "ff-node2"), "local"),
    ("ff-node2", ("ff-node1", "ff-node2"), "local"),
    ("ff-node2", ("ff-node2", None), "foreign"),
    ("ff-node2", ("ff-node1", "ff-node1"), "none"),
])
def test_rscstatus(me, placement, expected):
    assert rscstatus(ClusterView(FakeRunner(me, [placement]))) == expected


def test_hb_standby_all_bans_moves_then_clears():
    runner = FakeRunner("ff-node1", [("ff-node1", "ff-node1"), ("ff-node1", "ff-node1"),
                                     ("ff-node2+starting", "ff-node2+starting"),
                                     ("ff-node2", "ff-node2")])
    said = []
    moved = standby(ClusterView(runner), "all", timeout=10, progress=said.append)
    polls = [c for c in runner.calls if c[0] == "crm_mon"]
    assert len(polls) == 4  # the third one saw the groups "Starting": not moved yet
    assert said == ["Going standby [all]."]
    assert sorted(moved) == ["batch", "fulfillment"]
    bans = [c for c in runner.calls if c[0] == "crm_resource"]
    assert bans == [
        ["crm_resource", "--ban", "--resource", "fulfillment", "--node", "ff-node1", "--quiet"],
        ["crm_resource", "--ban", "--resource", "batch", "--node", "ff-node1", "--quiet"],
        ["crm_resource", "--clear", "--resource", "fulfillment", "--node", "ff-node1", "--quiet"],
        ["crm_resource", "--clear", "--resource", "batch", "--node", "ff-node1", "--quiet"]]


def test_hb_standby_foreign_gives_back_only_the_peers_groups():
    runner = FakeRunner("ff-node1", [("ff-node1", "ff-node1"), ("ff-node1", "ff-node2")])
    assert standby(ClusterView(runner), "foreign", timeout=10) == ["batch"]


def test_a_group_half_started_is_not_placed_yet():
    half = ('<pacemaker-result><resources><group id="fulfillment" number_resources="2">'
            '<resource id="ff-vip" active="true" role="Started"><node name="ff-node2"/></resource>'
            '<resource id="sosa" active="false"/></group></resources></pacemaker-result>')

    class Half(FakeRunner):
        def run(self, argv, env=None, timeout=600, check=False):
            if argv[0] == "crm_mon":
                return Result(argv, 0, half, "")
            return super().run(argv, env, timeout, check)
    assert ClusterView(Half("ff-node2", [])).placement()["fulfillment"] is None


def test_nfvd_status_texts_and_codes():
    from heartbeat_compat.shims import nfvd_status
    up = [("UCA-EBC", "Running"), ("Open Mediation", "Running"),
          ("NFVD Assurance Gateway", "Running")]
    assert nfvd_status(up) == (["Status of NFVD processes", "NFVD processes are running"], 0)
    down = [(label, "Not Running") for label, _ in up]
    assert nfvd_status(down)[1] == 3
    lines, code = nfvd_status(up[:2] + down[2:])
    assert code == 1 and "NFVD Assurance Gateway [Not Running]" in lines[1]


def test_compat_install_refuses_foreign_files_unless_forced(tmp_path):
    from click.testing import CliRunner
    from nfvd_ha.cli import main
    vendor = tmp_path / "etc" / "init.d" / "nfvd"
    vendor.parent.mkdir(parents=True)
    vendor.write_text("#!/bin/sh\necho vendor\n")
    run = CliRunner()
    result = run.invoke(main, ["compat", "install", "--root", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{vendor} exists and is not an nfvd-ha shim" in result.stderr
    assert not (tmp_path / "usr").exists()  # nothing written
    result = run.invoke(main, ["compat", "install", "--root", str(tmp_path), "--force"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "etc/init.d/nfvd.nfvd-ha-orig").read_text() == "#!/bin/sh\necho vendor\n"
    shim = (tmp_path / "opt/HPE/nfvd/solutions/ha-example/sis_maintenance_mode.sh").read_text()
    assert "maintenance --role sitescope" in shim
    again = run.invoke(main, ["compat", "install", "--root", str(tmp_path)])
    assert again.exit_code == 0  # our own shims are replaced without --force


def test_init_script_start_stop_are_guarded():
    from click.testing import CliRunner
    from nfvd_ha.cli import main
    result = CliRunner().invoke(main, ["compat", "nfvd", "stop"])
    assert result.exit_code == 1 and "runs under Pacemaker here" in result.stderr
    result = CliRunner().invoke(main, ["compat", "activator-ep", "start"])
    assert result.exit_code == 1 and "Hint: use `crm resource" in result.stderr
