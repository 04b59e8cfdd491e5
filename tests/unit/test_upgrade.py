"""nfvd-ha upgrade check|begin|end (guide 4.4) against a fake Pacemaker pair: crm_mon's XML
judged by the real adapter's readers; moves, attributes and settling scripted."""

import os

import pytest

from nfvd_ha.adapters.pacemaker import Pacemaker
from nfvd_ha.errors import NfvdHaError
from nfvd_ha.adapters.lockfile import read_lock
from nfvd_ha.commands.maintenance.reconcile import MaintenanceFiles, ReconcileOptions, Reconciler
from nfvd_ha.commands.upgrade import Upgrade

from helpers.fakes import FakeClock
from unit.maintenance.fakes import FakeHeartbeat, FakeServices

AA = ("uca-ebc", "openmediation", "nfvd-agw")
PAIR = ("aa-node1", "aa-node2")


class FakePair(Pacemaker):
    """Two nodes, the group ``assurance`` (preferred on aa-node1) on ``holder``."""

    def __init__(self, me, holder="aa-node1"):
        super().__init__(None, FakeClock())
        self.me, self.holder, self.calls = me, holder, []
        self.attrs = {n: {} for n in PAIR}
        self.state = {n: "online='true'" for n in PAIR}
        self.failed, self.quorum, self.moves = False, True, True

    def present(self):
        return True

    def node_name(self):
        return self.me

    def status(self):
        from lxml import etree
        nodes = "".join(f"<node name='{n}' {self.state[n]}/>" for n in PAIR)
        where = f"<node name='{self.holder}'/>" if self.holder else ""
        active = "true" if self.holder else "false"
        failures = ("<failures><failure op_key='uca_monitor_10000' node='aa-node1' "
                    "exitstatus='not running' exitreason='UCA-EBC: not running'/></failures>"
                    if self.failed else "")
        return etree.fromstring(
            f"<r><summary><current_dc present='true' with_quorum='{str(self.quorum).lower()}'/>"
            f"</summary><nodes>{nodes}</nodes><resources><group id='assurance'>"
            f"<resource id='aa-vip' role='Started' active='{active}'>{where}</resource>"
            f"<resource id='uca' role='Started' active='{active}'>{where}</resource>"
            f"</group></resources>{failures}</r>")

    def preferred_nodes(self):
        return {"assurance": "aa-node1"}

    def attributes(self, node=None):
        return dict(self.attrs[node or self.me])

    def set_attribute(self, name, value, node=None):
        self.calls.append(("set", node or self.me, name, value))
        self.attrs[node or self.me][name] = value

    def delete_attribute(self, name, node=None):
        self.calls.append(("delete", node or self.me, name))
        self.attrs[node or self.me].pop(name, None)

    def ban(self, resource, node):
        self.calls.append(("ban", resource, node))
        if self.moves:
            self.holder = next(n for n in PAIR if n != node)

    def clear(self, resource, node):
        self.calls.append(("clear", resource, node))

    def settle(self, timeout):
        return True


def upgrade(tmp_path, pair, services=None):
    said = []
    paths = MaintenanceFiles(lock=str(tmp_path / "lock"), record=str(tmp_path / "rec"),
                             reconcile_lock=str(tmp_path / "turn"))
    services = services or FakeServices(AA, AA)
    options = ReconcileOptions(files=paths, timeout=30, progress=said.append)
    reconciler = Reconciler(options, cluster=pair, services=services, clock=FakeClock(),
                            heartbeat=FakeHeartbeat())
    return Upgrade(options, cluster=pair, services=services, reconciler=reconciler,
                   clock=FakeClock()), said


def test_check_on_the_secondary_says_safe_and_changes_nothing(tmp_path):
    pair = FakePair("aa-node2")
    up, said = upgrade(tmp_path, pair)
    assert up.check() == "secondary"
    assert said[0] == "upgrade check on aa-node2, the secondary platform (guide 4.4):"
    assert said[-1].startswith("  note  assurance run(s) on the peer: `nfvd-ha upgrade begin` "
                               "moves them here")
    assert pair.calls == [] and not os.path.exists(tmp_path / "lock")


def test_check_names_every_reason_not_to_go_on(tmp_path):
    pair = FakePair("aa-node1")
    pair.state["aa-node2"] = "online='true' standby='true'"
    pair.failed, pair.quorum = True, False
    (tmp_path / "lock").touch()
    up, _ = upgrade(tmp_path, pair)
    with pytest.raises(NfvdHaError) as error:
        up.check()
    assert [str(p) for p in error.value.problems] == [
        "the cluster has no quorum here",
        "aa-node2 cannot take over should aa-node1 fail during the upgrade: in standby",
        "failed: uca_monitor_10000 on aa-node1: UCA-EBC: not running",
        "the secondary platform is not upgraded yet: it goes first (guide 4.4; `nfvd-ha "
        "upgrade begin` there)",
        f"aa-node1 is in maintenance already ({tmp_path / 'lock'})"]
    assert "nothing was changed" in error.value.hint and pair.calls == []


def test_one_node_at_a_time_and_the_platform_must_be_right(tmp_path):
    pair = FakePair("aa-node2")
    pair.attrs["aa-node1"]["nfvd-upgrade"] = "primary:in-progress"
    pair.holder = None
    up, _ = upgrade(tmp_path, pair)
    with pytest.raises(NfvdHaError) as error:
        up.check()
    assert [str(p) for p in error.value.problems] == [
        "assurance is not started anywhere",
        "aa-node1 is being upgraded (primary:in-progress): one node at a time"]
    with pytest.raises(NfvdHaError) as error:
        up.check("primary")
    assert str(error.value) == ("aa-node2 is the secondary platform (the groups' preferred "
                                "node is its peer), not the primary")


def test_the_whole_upgrade_secondary_then_primary(tmp_path):
    pair = FakePair("aa-node2")
    services = FakeServices(AA, AA)
    up, said = upgrade(tmp_path, pair, services)
    up.begin()
    assert pair.calls[:2] == [("set", "aa-node2", "nfvd-upgrade", "secondary:in-progress"),
                              ("ban", "assurance", "aa-node1")]
    assert ("clear", "assurance", "aa-node1") in pair.calls and pair.holder == "aa-node2"
    assert read_lock(str(tmp_path / "lock")).mode == "in-place"
    assert pair.attrs["aa-node2"]["maintenance"] == "true"
    assert said[-3:] == ["  /opt/HPE/nfvd/install/nfvd-install.sh -s [-c <custom_files_dir>] "
                         "/kits/archives", "  /opt/HPE/nfvd/install/nfvd-reconfigure.sh -s -f",
                         "then: nfvd-ha upgrade end"]
    services.up.discard("uca-ebc")                       # the installer left UCA-EBC stopped
    with pytest.raises(NfvdHaError) as error:
        up.end()
    assert str(error.value) == "not running here after the upgrade: UCA-EBC"
    assert read_lock(str(tmp_path / "lock")).mode == "in-place"
    services.up.add("uca-ebc")
    up.end()
    assert read_lock(str(tmp_path / "lock")).mode is None
    assert "maintenance" not in pair.attrs["aa-node2"]
    assert pair.attrs["aa-node2"]["nfvd-upgrade"] == "secondary:done"
    assert said[-1].startswith("secondary platform upgraded; next, on the primary")
    # the primary: the group comes back to it for its installer
    pair.me, pair.calls = "aa-node1", []
    (tmp_path / "p").mkdir()
    up, said = upgrade(tmp_path / "p", pair, services)
    up.begin()
    assert pair.holder == "aa-node1" and ("ban", "assurance", "aa-node2") in pair.calls
    assert "  /opt/HPE/nfvd/install/nfvd-reconfigure.sh -p -f" in said
    up.end()
    assert pair.attrs == {"aa-node1": {}, "aa-node2": {}}
    assert said[-1] == "primary platform upgraded: the upgrade is over"


def test_a_group_that_does_not_move_ends_in_time_and_the_ban_goes(tmp_path):
    pair = FakePair("aa-node2")
    pair.moves = False
    up, _ = upgrade(tmp_path, pair)
    with pytest.raises(NfvdHaError) as error:
        up.begin()
    assert str(error.value) == "after 30s, assurance not started on aa-node2"
    assert pair.calls[-1] == ("clear", "assurance", "aa-node1")
    assert not os.path.exists(tmp_path / "lock")
    pair.moves = True                                   # fixed: begin again goes on
    up.begin()
    assert pair.holder == "aa-node2" and read_lock(str(tmp_path / "lock")).mode == "in-place"


def test_end_without_begin_is_refused(tmp_path):
    up, _ = upgrade(tmp_path, FakePair("aa-node2"))
    with pytest.raises(NfvdHaError) as error:
        up.end()
    assert "is not in an upgrade begun by `nfvd-ha upgrade begin`" in str(error.value)


def test_cli_without_a_cluster_here_is_one_error_line(monkeypatch):
    from click.testing import CliRunner

    from nfvd_ha.cli import main
    from nfvd_ha.adapters.runner import Runner

    def no_cluster(self, argv, *, timeout, env=None, check=False):
        assert check  # as the real runner with check: the tool's failure is the error
        raise NfvdHaError(f"{' '.join(argv)} exited 102: Could not connect to the cluster")
    monkeypatch.setattr(Runner, "run", no_cluster)
    result = CliRunner().invoke(main, ["upgrade", "check"])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == ["Error: crm_mon -1 --output-as=xml exited 102: Could not connect to the "
                      "cluster"], result.stderr
