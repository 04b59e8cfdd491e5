"""cl_status rscstatus / hb_standby on Pacemaker, through the cluster adapter and the fake
runner (exact argv, in order)."""

import pytest

from heartbeat_compat.shims import nfvd_status, rscstatus, standby
from nfvd_ha.adapters.pacemaker import Pacemaker

CONSTRAINTS = """<constraints>
  <rsc_location id="location-fulfillment-ff-node1" node="ff-node1" rsc="fulfillment" score="100"/>
  <rsc_location id="location-batch-ff-node2" node="ff-node2" rsc="batch" score="100"/>
  <rsc_location id="cli-ban-batch-on-ff-node1" node="ff-node1" rsc="batch" score="-INFINITY"/>
</constraints>"""
MON = ["crm_mon", "-1", "--output-as=xml"]


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


def views(runner, me, placement):
    runner.expect(["crm_node", "-n"], me + "\n").expect(MON, status(*placement))
    runner.expect(["cibadmin", "-Q", "--scope", "constraints"], CONSTRAINTS)


@pytest.mark.parametrize("me,placement,expected", [
    ("ff-node1", ("ff-node1", "ff-node1"), "all"),
    ("ff-node1", ("ff-node1", "ff-node2"), "local"),
    ("ff-node2", ("ff-node1", "ff-node2"), "local"),
    ("ff-node2", ("ff-node2", None), "foreign"),
    ("ff-node2", ("ff-node1", "ff-node1"), "none"),
])
def test_rscstatus(runner, me, placement, expected):
    views(runner, me, placement)
    assert rscstatus(Pacemaker(runner)) == expected


def ban(verb, group):
    return ["crm_resource", f"--{verb}", "--resource", group, "--node", "ff-node1", "--quiet"]


def test_hb_standby_all_bans_moves_then_clears(runner, clock):
    views(runner, "ff-node1", ("ff-node1", "ff-node1"))
    runner.expect(ban("ban", "fulfillment")).expect(ban("ban", "batch"))
    runner.expect(MON, status("ff-node1", "ff-node1"))
    runner.expect(MON, status("ff-node2+starting", "ff-node2+starting"))  # not moved yet
    runner.expect(MON, status("ff-node2", "ff-node2"))
    runner.expect(ban("clear", "fulfillment")).expect(ban("clear", "batch"))
    said = []
    moved = standby(Pacemaker(runner, clock), "all", timeout=10, progress=said.append)
    assert said == ["Going standby [all]."]
    assert sorted(moved) == ["batch", "fulfillment"]
    assert clock.slept == [0.5, 0.5]


def test_hb_standby_gives_up_in_time_and_still_clears_its_bans(runner, clock):
    views(runner, "ff-node1", ("ff-node1", None))
    runner.expect(ban("ban", "fulfillment"))
    for _ in range(5):
        runner.expect(MON, status("ff-node1", None))
    runner.expect(ban("clear", "fulfillment"))
    with pytest.raises(Exception) as error:
        standby(Pacemaker(runner, clock), "all", timeout=2)
    assert "did not move off ff-node1 within 2" in str(error.value)


def test_hb_standby_foreign_gives_back_only_the_peers_groups(runner, clock):
    views(runner, "ff-node1", ("ff-node1", "ff-node1"))
    runner.expect(ban("ban", "batch"))
    runner.expect(MON, status("ff-node1", "ff-node2"))
    runner.expect(ban("clear", "batch"))
    assert standby(Pacemaker(runner, clock), "foreign", timeout=10) == ["batch"]


def test_a_group_half_started_is_not_placed_yet(runner):
    half = ('<pacemaker-result><resources><group id="fulfillment" number_resources="2">'
            '<resource id="ff-vip" active="true" role="Started"><node name="ff-node2"/></resource>'
            '<resource id="sosa" active="false"/></group></resources></pacemaker-result>')
    runner.expect(MON, half)
    assert Pacemaker(runner).placement()["fulfillment"] is None


def test_garbage_from_crm_mon_is_an_error_naming_it(runner):
    runner.expect(MON, "<oops")
    with pytest.raises(Exception) as error:
        Pacemaker(runner).placement()
    assert "crm_mon did not answer with XML" in str(error.value)


def test_nfvd_status_texts_and_codes():
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


def test_shims_quote_the_paths_they_call():
    from heartbeat_compat.shims import shims
    found = shims("/opt/my tools/nfvd-ha", "/opt/HPE/x y/activator-ep")
    assert "exec '/opt/my tools/nfvd-ha' compat cl_status" in found["cl_status"][1]
    assert "--script '/opt/HPE/x y/activator-ep'" in found["activator-ep"][1]


def test_init_script_start_stop_are_guarded():
    from click.testing import CliRunner
    from nfvd_ha.cli import main
    result = CliRunner().invoke(main, ["compat", "nfvd", "stop"])
    assert result.exit_code == 1 and "runs under Pacemaker here" in result.stderr
    result = CliRunner().invoke(main, ["compat", "activator-ep", "start"])
    assert result.exit_code == 1 and "Hint: use `crm resource" in result.stderr
