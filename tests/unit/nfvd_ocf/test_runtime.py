"""The OCF runtime: parameters, probe detection, per-action error mapping, meta-data."""

import sys

import pytest

from nfvd_ocf import codes, metadata, runtime
from nfvd_ocf.declaration import Action, Agent, Param
from nfvd_ocf.errors import Failed, InvalidConfig, InvalidHere, NotInstalled, code_for
from nfvd_ocf.params import Context, read_params
from nfvd_ocf.log import Logger
from nfvd_ocf.mounts import _unescape, same_fstype


def make_agent(handler):
    return Agent("t", "1.0", "short", "long",
                 params=(Param("n", "n", type="integer", default=3),
                         Param("flag", "f", type="boolean", default=False),
                         Param("mode", "m", type="select", options=("a", "b"), default="a"),
                         Param("name", "x", required=True, unique_group="g")),
                 actions=(Action("start", 20), Action("monitor", 30, interval=10, depth=0)),
                 handlers={"start": handler, "stop": handler, "monitor": handler})


def run(handler, action, env, capsys=None):
    env = dict({"HA_LOGFACILITY": "none"}, **env)
    return runtime.run(make_agent(handler), ["t", action], env)


def test_typed_params_with_defaults():
    agent = make_agent(None)
    values = read_params(agent, {"OCF_RESKEY_name": "x", "OCF_RESKEY_flag": "yes"})
    assert values == {"n": 3, "flag": True, "mode": "a", "name": "x"}


def test_all_parameter_errors_are_reported_together():
    with pytest.raises(InvalidConfig) as err:
        read_params(make_agent(None), {"OCF_RESKEY_n": "x", "OCF_RESKEY_mode": "c"})
    text = str(err.value)
    assert "n: 'x' is not an integer" in text
    assert "mode: 'c' is not one of a, b" in text
    assert "required parameter name is not set" in text


@pytest.mark.parametrize("env,probe", [({}, True), ({"OCF_RESKEY_CRM_meta_interval": "0"}, True),
                                       ({"OCF_RESKEY_CRM_meta_interval": "10000"}, False)])
def test_probe_detection(env, probe):
    ctx = Context(make_agent(None), "monitor", env, Logger("t", {"HA_LOGFACILITY": "none"}))
    assert ctx.probe is probe


def test_timeout_and_check_level_from_environment():
    ctx = Context(make_agent(None), "monitor", {"OCF_RESKEY_CRM_meta_timeout": "7000",
                                                "OCF_CHECK_LEVEL": "20"}, Logger("t", {}))
    assert ctx.timeout == 7.0 and ctx.check_level == 20
    assert Context(make_agent(None), "start", {}, Logger("t", {})).timeout == 20


@pytest.mark.parametrize("error,action,probe,expected", [
    (NotInstalled("x"), "stop", False, 0), (NotInstalled("x"), "monitor", True, 7),
    (NotInstalled("x"), "monitor", False, 5), (NotInstalled("x"), "start", False, 5),
    (InvalidConfig("x"), "stop", False, 0), (InvalidConfig("x"), "monitor", True, 6),
    (InvalidConfig("x"), "start", False, 6), (InvalidHere("x"), "start", False, 2),
    (Failed("x"), "stop", False, 1), (Failed("x"), "monitor", True, 1),
])
def test_error_to_code_per_action(error, action, probe, expected):
    assert code_for(action, probe, error) == expected


def test_exit_reason_on_stderr(capsys):
    def handler(ctx):
        raise Failed("SOSA\nnot running")
    assert run(handler, "start", {"OCF_RESKEY_name": "x"}) == 1
    assert "ocf-exit-reason:SOSA not running\n" in capsys.readouterr().err


def test_unknown_action_is_3_with_usage(capsys):
    assert run(lambda ctx: 0, "frob", {}) == codes.ERR_UNIMPLEMENTED
    assert "usage: t {start|monitor}" in capsys.readouterr().err


def test_handler_returning_none_is_success():
    assert run(lambda ctx: None, "start", {"OCF_RESKEY_name": "x"}) == 0


def test_metadata_both_versions():
    agent = make_agent(None)
    v11 = metadata.render_metadata(agent, True)
    v10 = metadata.render_metadata(agent, False)
    assert 'unique-group="g"' in v11 and '<option value="a"/>' in v11
    assert 'unique="1"' in v10 and "unique-group" not in v10 and 'type="string"' in v10
    assert "ra-api-1.dtd" in v10 and "<version>1.0</version>" in v10
    assert metadata.render_metadata(agent, True) == v11  # deterministic
    assert metadata.wants_v11({"OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1"})
    assert not metadata.wants_v11({})


def test_mountinfo_unescape_and_fstype_families():
    assert _unescape(r"/mnt/with\040space") == "/mnt/with space"
    assert _unescape("/plain") == "/plain"
    assert same_fstype("nfs", "nfs4") and same_fstype("fuse", "fuse.hangfs")
    assert not same_fstype("ext4", "tmpfs")


def test_monitor_imports_stay_light():
    """lxml, click, sh (and the slow dataclasses/socket/signal/typing...) stay off the hot
    path: an agent's module, imported for every action, imports none of them."""
    import subprocess
    code = ("import sys, agents.vip, agents.shared_fs, agents.activator_ep, "
            "agents.nfvd_assurance, agents.nfvd_hpsa; heavy = {'lxml', 'click', 'sh', "
            "'dataclasses', 'socket', 'signal', 'subprocess', 'inspect', 'typing', 're', "
            "'enum', 'functools', 'collections', 'ipaddress'} & set(sys.modules); "
            "print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                         cwd=__import__("os").path.dirname(__import__("nfvd_ocf").__path__[0]))
    assert out.stdout.strip() == "[]", out.stderr


def test_metadata_escapes_text_and_attributes():
    from lxml import etree
    tricky = 'a <b> & "c"\nd'
    agent = Agent("t", "1.0", tricky, tricky, params=(Param("p", tricky, tricky,
                                                             default=tricky),),
                  actions=(Action("start", 10),), handlers={})
    for v11 in (True, False):
        text = metadata.render_metadata(agent, v11)
        root = etree.fromstring(text.split("\n", 2)[-1].encode() if not v11 else text.encode())
        assert root.findtext("shortdesc") == tricky
        assert root.find("parameters/parameter/content").get("default") == tricky


def test_an_unexpected_exception_is_an_exit_code_with_a_reason_never_a_traceback(capsys):
    def broken(ctx):
        raise KeyError("surprise")
    assert run(broken, "start", {"OCF_RESKEY_name": "x"}) == codes.ERR_GENERIC
    err = capsys.readouterr().err
    assert "ocf-exit-reason:internal error in start: KeyError: 'surprise'" in err
    assert "Traceback" not in err


def test_command_output_is_capped(tmp_path):
    from nfvd_ocf import proc
    result = proc.run(["sh", "-c", "head -c 50000000 /dev/zero; echo done-rc >&2; exit 3"], 20)
    assert result.rc == 3
    assert len(result.output) == proc.MAX_OUTPUT  # the rest was refused, not buffered


@pytest.mark.parametrize("pidfd", [True, False])
def test_a_command_is_waited_for_until_it_exits_or_its_time_is_up(monkeypatch, pidfd):
    """Woken by its pidfd when it exits (or, where the kernel refuses pidfds, by polling);
    past the timeout it is killed and left, timed out."""
    import time

    from nfvd_ocf import proc
    if not pidfd:
        def refused(pid):
            raise OSError(38, "Function not implemented")
        monkeypatch.setattr(proc.os, "pidfd_open", refused)
    assert proc.run(["sh", "-c", "echo out; exit 4"], 10).rc == 4
    started = time.monotonic()
    late = proc.run(["sleep", "30"], 0.3)
    assert late.timed_out and late.rc is None and time.monotonic() - started < 5


@pytest.mark.parametrize("content,mode,problem", [
    (b"#!/bin/sh\necho\n", 0o755, None),
    (b"echo no shebang\n", 0o755, "no #! line"),
    (b"#!/nonexistent/sh\n", 0o755, "interpreter /nonexistent/sh"),
    (b"#!/bin/sh\n", 0o644, "not executable"),
    (b"#!\n", 0o755, "no interpreter"),
])
def test_what_the_kernel_could_not_execute_is_named(tmp_path, content, mode, problem):
    from nfvd_ocf import proc
    path = tmp_path / "script"
    path.write_bytes(content)
    path.chmod(mode)
    found = proc.exec_problem(str(path))
    assert (found is None) if problem is None else (problem in found)
    assert "not a regular file" in proc.exec_problem(str(tmp_path))
