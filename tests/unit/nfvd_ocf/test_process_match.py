"""process_match, the rule: a fragment with a distinctive word, found whole within one
argument of a process that is not a shell, pager, viewer, editor or similar tool."""

import subprocess
import sys

import pytest

from nfvd_ocf import checks, owned

SOSA = "ServiceActivator/EP/SOSA"


@pytest.mark.parametrize("argument,found", [
    ("/opt/OV/ServiceActivator/EP/SOSA", True),
    ("-Dsosa.home=/opt/OV/ServiceActivator/EP/SOSA", True),
    ("/opt/OV/ServiceActivator/EP/SOSA/lib/sosa.jar:/opt/x.jar", True),
    ("ServiceActivator/EP/SOSA", True),
    ("/opt/OV/ServiceActivator/EP/SOSAbackup", False),
    ("/opt/OV/MyServiceActivator/EP/SOSA", False),
    ("/opt/OV/ServiceActivator/EP/SOSA-old/x", False),
    ("ServiceActivator/EP", False)])
def test_a_pattern_is_found_only_as_whole_words(argument, found):
    assert owned.in_argument(SOSA, argument) is found


@pytest.mark.parametrize("pattern", ["ServiceActivator/EP/SOSA", "nfvd-standin-daemon=sosa",
                                     "-Dsosa.home=/opt/sosa", "com.hp.ov.activator.Sosa",
                                     "/opt/UCA-EBC/", "uca-ebc.jar"])
def test_distinctive_fragments_are_accepted(pattern):
    assert checks.process_pattern(pattern, "p") is None


@pytest.mark.parametrize("pattern", ["/", "//", "/usr/bin/", "java", "sshd", "postgres",
                                     "bin/java", "/opt/OV", "a=b", "x y", "é/sosa1", "",
                                     "-", "x" * 257])
def test_everything_else_is_refused(pattern):
    assert checks.process_pattern(pattern, "p") is not None


def test_a_viewer_of_the_resources_files_is_never_the_resource(tmp_path):
    log = tmp_path / "ServiceActivator" / "EP" / "SOSA" / "sosa.log"
    log.parent.mkdir(parents=True)
    log.write_text("x\n")
    viewer = subprocess.Popen(["tail", "-f", str(log)], stdout=subprocess.DEVNULL)
    program = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                                f"-Dsosa.home={log.parent}"])
    try:
        for p in (viewer, program):  # until the kernel shows their new command lines
            assert owned.wait_until(lambda p=p: len(owned.arguments(p.pid)) > 2, 5, 0.01)
        assert not owned.runs(viewer.pid, [SOSA])
        assert owned.runs(program.pid, [SOSA])
        assert not owned.runs(program.pid, ["ServiceActivator/EP/LockManager"])
    finally:
        for p in (viewer, program):
            p.kill()
            p.wait()
