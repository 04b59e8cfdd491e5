"""The one seam for external commands, on real processes: a whitelisted environment with
LC_ALL=C, a command that cannot run or does not finish is the project's error naming it
(never a traceback), and at the deadline the whole process group is killed."""

import time

import pytest

from helpers.waits import wait_until
from nfvd_ha.errors import NfvdHaError
from nfvd_ha.adapters.runner import Runner


def test_the_environment_is_whitelisted(monkeypatch):
    monkeypatch.setenv("LD_PRELOAD", "/tmp/evil.so")
    monkeypatch.setenv("PYTHONPATH", "/tmp/evil")
    monkeypatch.setenv("http_proxy", "http://proxy.invalid:3128")
    monkeypatch.setenv("CIB_file", "/tmp/cib.xml")
    seen = dict(line.split("=", 1) for line in
                Runner().run(["env"], timeout=10).stdout.splitlines() if "=" in line)
    assert "LD_PRELOAD" not in seen and "PYTHONPATH" not in seen and "http_proxy" not in seen
    assert seen["LC_ALL"] == "C" and seen["CIB_file"] == "/tmp/cib.xml" and seen["PATH"]


def test_a_command_that_cannot_run_is_one_error():
    with pytest.raises(NfvdHaError) as error:
        Runner().run(["/nonexistent/crm_mon", "-1"], timeout=10)
    assert str(error.value.problems[0]) == \
        "cannot run /nonexistent/crm_mon: No such file or directory"


def test_a_failure_names_the_command_when_checked():
    with pytest.raises(NfvdHaError) as error:
        Runner().run(["sh", "-c", "echo broken >&2; exit 3"], timeout=10, check=True)
    assert str(error.value.problems[0]) == "sh -c echo broken >&2; exit 3 exited 3: broken"
    assert Runner().run(["sh", "-c", "exit 3"], timeout=10).rc == 3


def test_at_the_deadline_the_whole_group_is_killed(tmp_path):
    pidfile = tmp_path / "grandchild"
    started = time.monotonic()
    with pytest.raises(NfvdHaError) as error:
        Runner().run(["sh", "-c", f"sleep 60 & echo $! > {pidfile}; wait"], timeout=0.5)
    assert time.monotonic() - started < 5
    assert "did not finish within 0.5s (stopped)" in str(error.value.problems[0])
    grandchild = int(pidfile.read_text())

    def gone():
        try:
            with open(f"/proc/{grandchild}/stat") as f:
                return f.read().split()[2] == "Z"
        except FileNotFoundError:
            return True
    wait_until(gone, 5, 0.05, "the background child killed with its group at the deadline")


def test_a_failure_with_many_lines_is_one_line():
    with pytest.raises(NfvdHaError) as error:
        Runner().run(["sh", "-c", "printf 'first\\n\\n  second\\n' >&2; exit 4"], timeout=10,
                     check=True)
    assert str(error.value.problems[0]).endswith("exited 4: first / second")


#: what crm_mon 2.1.5 prints on a host where no cluster runs (`nfvd-ha upgrade check` showed
#: it whole inside its Error line)
CRM_MON_NOT_CONNECTED = """\
<pacemaker-result api-version="2.25" request="crm_mon -1 --output-as=xml">
  <status code="102" message="Not connected">
    <errors>
      <error>error: Could not connect to launcher: Connection refused</error>
      <error>crm_mon: Connection to cluster failed: Connection refused</error>
    </errors>
  </status>
</pacemaker-result>
"""


def test_a_pacemaker_tools_xml_failure_is_its_messages(tmp_path):
    printed = tmp_path / "out.xml"
    printed.write_text(CRM_MON_NOT_CONNECTED)
    with pytest.raises(NfvdHaError) as error:
        Runner().run(["sh", "-c", f"cat {printed}; exit 102"], timeout=10, check=True)
    message = str(error.value.problems[0])
    assert "\n" not in message and "<" not in message
    assert message.endswith("exited 102: Not connected; error: Could not connect to launcher:"
                            " Connection refused; crm_mon: Connection to cluster failed:"
                            " Connection refused")
