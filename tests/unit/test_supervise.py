"""nfvd-ha supervise: restart in place up to N times within the window, then out of the load
balancer (the out-of-service file) and an alert through a Pacemaker alert agent; back in
service once everything runs; hands off during maintenance. Fake clock, fake services."""

import contextlib
import os

import pytest
from click.testing import CliRunner

from nfvd_ha.cli import main
from nfvd_ha.errors import NfvdHaError
from nfvd_ha.roles import ROLES
from nfvd_ha.adapters.runner import Result
from nfvd_ha.commands.supervise import SuperviseOptions, Supervisor, check_alert

from helpers.fakes import FakeClock
from maintenance.fakes import FakeHeartbeat, FakeServices

GUI = ("couchdb", "uoc", "idp", "imageuploader")


class AlertRunner:
    """Records what the alert agent is run with (argv and the CRM_alert_* environment)."""

    def __init__(self):
        self.calls = []

    def run(self, argv, *, timeout, env=None, check=False):
        assert timeout > 0
        self.calls.append((argv, env))
        return Result(argv, 0, "", "")


def files(tmp_path):
    """The maintenance lock and the out-of-service mark under ``tmp_path``."""
    return {"lock": str(tmp_path / "lock"), "out_of_service": str(tmp_path / "oos")}


def supervisor(tmp_path, services, restarts=3, window=600):
    said, runner, clock = [], AlertRunner(), FakeClock()
    options = SuperviseOptions(restarts=restarts, window=window,
                               alert="/usr/share/pacemaker/alerts/alert_file.sh.sample",
                               recipients=("/var/log/x.log",), **files(tmp_path))
    sup = Supervisor(services, ROLES["gui"], runner, said.append, options, clock=clock)
    return sup, said, runner, clock


class Crashing(FakeServices):
    """uoc dies again right after each start."""

    def act(self, name, action):
        super().act(name, action)
        if name == "uoc" and action == "start":
            self.up.discard("uoc")


def test_three_restarts_then_out_of_the_load_balancer_and_an_alert(tmp_path):
    services = Crashing(GUI, set(GUI) - {"uoc"})
    sup, said, runner, clock = supervisor(tmp_path, services)
    for _ in range(3):
        sup.pass_once()
        clock.sleep(10)
    assert services.calls == [("uoc", "start")] * 3
    assert [s for s in said if "restarting" in s] == [
        f"UOC Server is not running: restarting it in place ({i}/3)" for i in (1, 2, 3)]
    assert not os.path.exists(tmp_path / "oos") and runner.calls == []
    sup.pass_once()                                     # the 4th failure: give up
    assert services.calls == [("uoc", "start")] * 3    # no 4th restart
    assert "restarts exhausted" in (tmp_path / "oos").read_text()
    (argv, env), = runner.calls
    assert argv == ["/usr/share/pacemaker/alerts/alert_file.sh.sample"]
    assert {k: env[k] for k in ("CRM_alert_kind", "CRM_alert_rsc", "CRM_alert_desc",
                                "CRM_alert_recipient", "CRM_alert_task")} == {
        "CRM_alert_kind": "resource", "CRM_alert_rsc": "uoc",
        "CRM_alert_desc": "restarts exhausted", "CRM_alert_recipient": "/var/log/x.log",
        "CRM_alert_task": "monitor"}
    sup.pass_once()                                     # given up: left alone, no new alert
    assert len(runner.calls) == 1 and services.calls == [("uoc", "start")] * 3


def test_restarts_older_than_the_window_do_not_count(tmp_path):
    services = Crashing(GUI, set(GUI) - {"uoc"})
    sup, _, runner, clock = supervisor(tmp_path, services, window=60)
    for _ in range(6):
        sup.pass_once()
        clock.sleep(30)                                 # at most 2 restarts in any 60 s
    assert services.calls == [("uoc", "start")] * 6 and runner.calls == []


def test_back_in_service_once_everything_runs(tmp_path):
    services = Crashing(GUI, set(GUI) - {"uoc"})
    sup, said, runner, _ = supervisor(tmp_path, services, restarts=0)
    sup.pass_once()
    assert (tmp_path / "oos").exists() and services.calls == []
    services.up.add("uoc")                              # an operator fixed and started it
    sup.pass_once()
    assert not (tmp_path / "oos").exists()
    assert [env["CRM_alert_desc"] for _, env in runner.calls] == [
        "restarts exhausted", "running again"]
    assert any("back in the load balancer" in line for line in said)


def test_hands_off_during_maintenance(tmp_path):
    services = FakeServices(GUI, ())
    sup, _, _, _ = supervisor(tmp_path, services)
    (tmp_path / "lock").touch()
    assert sup.pass_once() == "maintenance" and services.calls == []


def test_only_installed_components_are_watched(tmp_path):
    services = FakeServices(("couchdb", "uoc"), ("couchdb",))
    sup, _, _, _ = supervisor(tmp_path, services)
    sup.pass_once()
    assert services.calls == [("uoc", "start")]


def test_alert_options_have_a_grammar(tmp_path):
    with pytest.raises(NfvdHaError) as error:
        check_alert("alert.sh", ("ops@example.com", "x\ny"))
    assert [str(p) for p in error.value.problems] == [
        "--alert alert.sh: not an absolute path",
        "--recipient 'x\\ny': not an alert recipient (an e-mail address, a host, a file path)"]
    result = CliRunner().invoke(main, ["supervise", "install-unit", "--role", "gui", "--alert",
                                       "/a.sh", "--path", str(tmp_path / "u")])
    assert result.exit_code == 1 and not (tmp_path / "u").exists()
    assert result.stderr.splitlines()[0] == "Error: --alert needs at least one --recipient"


def test_install_unit(tmp_path):
    result = CliRunner().invoke(main, [
        "supervise", "install-unit", "--role", "sitescope", "--interval", "5", "--alert",
        "/usr/share/pacemaker/alerts/alert_smtp.sh.sample", "--recipient", "ops@example.com",
        "--path", str(tmp_path / "nfvd-ha-supervise-sitescope.service")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == ("then: systemctl daemon-reload && systemctl enable"
                                              " --now nfvd-ha-supervise-sitescope.service")
    unit = tmp_path / "nfvd-ha-supervise-sitescope.service"
    command = next(line for line in unit.read_text().splitlines()
                   if line.startswith("ExecStart="))
    assert command.endswith(" supervise --role sitescope --interval 5 --restarts 3 --window 600"
                            " --alert /usr/share/pacemaker/alerts/alert_smtp.sh.sample "
                            "--recipient ops@example.com")


FF = ("activator", "sosa", "lockmgr")


class SosaCrashing(FakeServices):
    """SOSA dies again right after each start."""

    def act(self, name, action):
        super().act(name, action)
        if name == "sosa" and action == "start":
            self.up.discard("sosa")


def heartbeat_supervisor(tmp_path, services, heartbeat):
    said, runner, clock = [], AlertRunner(), FakeClock()
    options = SuperviseOptions(alert="/usr/share/pacemaker/alerts/alert_file.sh.sample",
                               recipients=("/var/log/x.log",), **files(tmp_path))
    sup = Supervisor(services, ROLES["ff"], runner, said.append, options, clock=clock,
                     heartbeat=heartbeat)
    return sup, said, runner, clock


def test_a_heartbeat_holder_restarts_sosa_three_times_then_hands_over(tmp_path):
    """Guide 2.9 on heartbeat v1 (which monitors nothing): restart 3 times, then hb_standby."""
    hb = FakeHeartbeat(present=True)
    services = SosaCrashing(FF, set(FF) - {"sosa"})
    sup, said, runner, clock = heartbeat_supervisor(tmp_path, services, hb)
    for _ in range(3):
        sup.pass_once()
        clock.sleep(10)
    assert services.calls == [("sosa", "start")] * 3 and hb.calls == []
    sup.pass_once()                                     # the 4th failure: the peer takes over
    assert hb.calls == ["hb_standby all"]
    assert services.calls == [("sosa", "start")] * 3
    assert [env["CRM_alert_desc"] for _, env in runner.calls] == [
        "restarts exhausted: hb_standby"]
    assert any("hb_standby all, the peer takes over" in s for s in said)
    assert not os.path.exists(tmp_path / "oos")  # HPSA still serves: in the load balancer
    sup.pass_once()                                     # holds nothing now: the peer's SOSA
    assert services.calls == [("sosa", "start")] * 3 and hb.calls == ["hb_standby all"]


def test_a_passive_heartbeat_node_leaves_the_active_nodes_components_alone(tmp_path):
    hb = FakeHeartbeat(present=True)
    hb.held = "none"
    services = FakeServices(FF, {"activator"})
    sup, _, runner, _ = heartbeat_supervisor(tmp_path, services, hb)
    sup.pass_once()
    assert services.calls == [] and hb.calls == [] and runner.calls == []
    services.up.discard("activator")                   # HPSA is everyone's: restarted
    sup.pass_once()
    assert services.calls == [("activator", "start")]


def test_a_pacemaker_node_is_refused_pacemaker_supervises_it(monkeypatch):
    from nfvd_ha.adapters import pacemaker
    monkeypatch.setattr(pacemaker.Pacemaker, "present", lambda self: True)
    result = CliRunner().invoke(main, ["supervise", "--role", "ff"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "Error: this node is in a Pacemaker cluster: Pacemaker supervises its services (the "
        "FF nodes' HPSA is the hpsa clone)")


def test_role_aa_is_accepted_like_the_others(monkeypatch):
    """`supervise --role aa` (an Assurance heartbeat host) is a role, not click's usage error;
    off a heartbeat host an Assurance VM has nothing active/active to supervise."""
    from nfvd_ha.adapters import heartbeat, pacemaker
    monkeypatch.setattr(pacemaker.Pacemaker, "present", lambda self: False)
    monkeypatch.setattr(heartbeat.Heartbeat, "present", lambda self: False)
    result = CliRunner().invoke(main, ["supervise", "--role", "aa"])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == \
        "Error: role aa: no active/active services to supervise here"


def test_an_assurance_heartbeat_holder_hands_over_after_three_restarts(tmp_path):
    hb = FakeHeartbeat(present=True)
    aa = ("uca-ebc", "openmediation", "nfvd-agw")
    services = FakeServices(aa, set(aa) - {"uca-ebc"})
    said, runner, clock = [], AlertRunner(), FakeClock()
    sup = Supervisor(services, ROLES["aa"], runner, said.append,
                     SuperviseOptions(**files(tmp_path)), clock=clock, heartbeat=hb)
    for _ in range(4):
        sup.pass_once()
        services.up.discard("uca-ebc")
        clock.sleep(10)
    assert services.calls == [("uca-ebc", "start")] * 3 and hb.calls == ["hb_standby all"]


# --- the log beside the maintenance lock is untrusted ground --------------------------------
def test_the_log_never_follows_a_symlink(tmp_path):
    from nfvd_ha.commands.supervise import logger
    victim = tmp_path / "passwd"
    victim.write_text("root:x:0:0:root:/root:/bin/bash\n")
    log_path = tmp_path / "nfvd-ha-supervise.log"
    log_path.symlink_to(victim)
    said = []
    logger(said.append, str(log_path))("UOC Server restarted")
    assert victim.read_text() == "root:x:0:0:root:/root:/bin/bash\n"
    assert said[0].endswith("nfvd-ha-supervise: UOC Server restarted")  # still to stderr
    assert said[1].startswith(f"cannot write {log_path}: ") and "symlink" in said[1]


def test_a_fifo_for_a_log_never_stalls_the_supervisor(tmp_path):
    import threading
    from nfvd_ha.commands.supervise import logger
    log_path = tmp_path / "nfvd-ha-supervise.log"
    os.mkfifo(log_path)
    services = Crashing(GUI, set(GUI) - {"uoc"})
    said = []
    sup = Supervisor(services, ROLES["gui"], AlertRunner(), logger(said.append, str(log_path)),
                     SuperviseOptions(**files(tmp_path)), clock=FakeClock())
    done = threading.Thread(target=sup.pass_once, daemon=True)
    done.start()
    done.join(5)
    stuck = done.is_alive()
    if stuck:  # main's open() waits for a reader for ever: give it one so the thread ends
        os.close(os.open(log_path, os.O_RDONLY | os.O_NONBLOCK))
        done.join(5)
    assert not stuck, "the supervisor blocked on the FIFO"
    assert services.calls == [("uoc", "start")]                    # it kept working
    assert any(s.startswith(f"cannot write {log_path}: ") for s in said), said
    reader = os.open(log_path, os.O_RDONLY | os.O_NONBLOCK)  # a reader waiting: the open
    try:                                                      # succeeds, the write must not
        logger(said.append, str(log_path))("again")
        with contextlib.suppress(BlockingIOError):  # raised: nothing written
            assert os.read(reader, 100) == b""
    finally:
        os.close(reader)
    assert said[-1].startswith(f"cannot write {log_path}: ") and "FIFO" in said[-1]


class Injecting(Crashing):
    """A restart fails with a message that carries a newline and a forged log line."""

    def act(self, name, action):
        super().act(name, action)
        raise NfvdHaError("exit 1\nroot::0:0:root:/root:/bin/bash\x1b[2J")


def test_control_characters_are_escaped_in_the_log(tmp_path):
    from nfvd_ha.commands.supervise import logger
    log_path = tmp_path / "nfvd-ha-supervise.log"
    said = []
    sup = Supervisor(Injecting(GUI, set(GUI) - {"uoc"}), ROLES["gui"], AlertRunner(),
                     logger(said.append, str(log_path)), SuperviseOptions(**files(tmp_path)),
                     clock=FakeClock())
    sup.pass_once()
    logger(said.append, str(log_path))("a name\r\nwith\tcontrol\x00characters\u2028")
    lines = log_path.read_text().splitlines()
    assert len(lines) == 3, lines                      # one line per entry, none forged
    assert not any(line.startswith("root:") for line in lines)
    assert lines[1].endswith("restart failed: exit 1\\nroot::0:0:root:/root:/bin/bash\\x1b[2J")
    assert lines[2].endswith("a name\\r\\nwith\\tcontrol\\x00characters\\u2028")
    assert all("\n" not in s and "\x1b" not in s for s in said)   # stderr too
    assert oct(os.stat(log_path).st_mode & 0o777) in ("0o640", "0o600")
