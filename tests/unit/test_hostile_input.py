"""Hostile and broken input at the CLI: one `Error: ...` line naming the path, exit 1,
nothing written, no temp files left, never a traceback, never a hang."""

import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from nfvd_ha.cli import main
from nfvd_ha.definition import EXAMPLE


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_error(result, *words):
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        result.exception
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


def tree(path):
    return sorted(os.path.relpath(os.path.join(d, f), path)
                  for d, dirs, files in os.walk(path) for f in files + dirs)


def test_an_output_path_that_is_a_directory_writes_nothing_at_all(tmp_path):
    out = tmp_path / "out"
    (out / "nfvd-aa" / "cib.xml").mkdir(parents=True)  # the second cluster's cib
    before = tree(out)
    line = one_error(invoke("render", EXAMPLE, "--out", out), f"{out}/nfvd-aa/cib.xml",
                     "is a directory")
    assert "Traceback" not in line
    assert tree(out) == before  # no cluster written, no key, no temp file


def test_an_output_under_a_regular_file_is_refused(tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("not a directory\n")
    one_error(invoke("render", EXAMPLE, "--out", blocker / "sub"),
              f"{blocker}: cannot write under it: is not a directory")
    assert blocker.read_text() == "not a directory\n"


@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", mnt], check=True)
    yield mnt
    subprocess.run(["umount", "-l", mnt])


@pytest.mark.root
def test_a_full_disk_leaves_no_temp_files(small_fs):
    one_error(invoke("render", EXAMPLE, "--out", small_fs / "out"), "No space left on device")
    assert tree(small_fs) == []  # not even the directories it made


@pytest.mark.root
def test_a_read_only_output_is_one_error(small_fs):
    subprocess.run(["mount", "-o", "remount,ro", small_fs], check=True)
    one_error(invoke("render", EXAMPLE, "--out", small_fs / "out"), "Read-only file system")


def test_nesting_too_deep_is_an_error_not_a_recursion(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 500 + "]" * 500 + "\n")
    one_error(invoke("validate", deep), str(deep), "nests tables or arrays 500 deep")


@pytest.mark.parametrize("make,what", [
    (lambda p: os.mkfifo(p), "is a FIFO, not a regular file"),
    (lambda p: os.symlink("/dev/zero", p), "is a character device, not a regular file"),
    (lambda p: p.write_bytes(b"x" * (2 << 20)), "is larger than 1048576 bytes"),
    (lambda p: p.write_bytes(b"name = \"\xff\xfe\"\n"), "is not UTF-8 text"),
])
def test_inputs_are_regular_capped_utf8_files_and_never_block(tmp_path, make, what):
    path = tmp_path / "definition.toml"
    make(path)
    started = time.monotonic()
    one_error(invoke("validate", path), str(path), what)
    assert time.monotonic() - started < 5


def test_a_binary_ha_cf_is_one_error(tmp_path):
    (tmp_path / "ha.cf").write_bytes(b"\x00\xff\xfe binary")
    (tmp_path / "haresources").write_text("node1 10.0.0.1\n")
    one_error(invoke("import-heartbeat", tmp_path), f"{tmp_path}/ha.cf", "not UTF-8")


def test_a_hung_nfv_director_is_an_error_in_time(tmp_path):
    hung = tmp_path / "nfv-director.sh"
    hung.write_text("#!/bin/sh\nsleep 300\n")
    hung.chmod(0o755)
    started = time.monotonic()
    one_error(invoke("status", "--nfv-director", hung, "--timeout", "1"),
              f"{hung} status' did not finish within 1s")
    assert time.monotonic() - started < 5


def test_a_health_port_in_use_is_one_error():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        result = subprocess.run([sys.executable, "-m", "nfvd_ha", "health", "serve", "--role",
                                 "gui", "--port", f"gui={port}"], capture_output=True,
                                text=True, timeout=30)
    finally:
        taken.close()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"Error: 127.0.0.1:{port} (gui): cannot listen: Address already in use" in \
        result.stderr


@pytest.mark.parametrize("plant", ["mode", "form", "symlink"])
def test_a_planted_key_file_is_refused_unless_forced(tmp_path, plant):
    out = tmp_path / "out"
    key = out / "nfvd-ff" / "authkey"
    key.parent.mkdir(parents=True)
    if plant == "symlink":
        (tmp_path / "elsewhere").write_bytes(os.urandom(256))
        key.symlink_to(tmp_path / "elsewhere")
    else:
        key.write_bytes(os.urandom(256) if plant == "mode" else b"short-key-18-bytes")
        key.chmod(0o666 if plant == "mode" else 0o400)
    one_error(invoke("render", EXAMPLE, "--out", out), str(key), "existing key")
    assert tree(out) == ["nfvd-ff", "nfvd-ff/authkey"]
    result = invoke("render", EXAMPLE, "--out", out, "--force")
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.lstat(key).st_mode) == 0o400 and not key.is_symlink()


@pytest.mark.parametrize("argv,what", [
    (["validate", "{dir}"], "{dir}: is a directory, not a regular file"),
    (["render", "{dir}", "--out", "{tmp}/out"], "{dir}: is a directory, not a regular file"),
    (["render", "{definition}", "--out", "{file}"], "{file}: cannot write under it"),
    (["keygen", "{definition}", "--out", "{file}"], "{file}: cannot write under it"),
    (["import-heartbeat", "{file}"], "{file}/ha.cf: cannot read"),
    (["plan", "{dir}", "--cluster", "nfvd-ff"], "{dir}: is a directory, not a regular file"),
    (["apply", "{dir}"], "{dir}: is a directory, not a regular file"),
    (["node", "setup", "{dir}", "--node", "ff-node1", "--keys", "{dir}", "--check"],
     "{dir}: is a directory, not a regular file"),
    (["agents", "install", "--destdir", "{file}"], "{file}: cannot write under it"),
    (["compat", "install", "--root", "{file}"], "{file}: cannot write under it"),
    (["maintenance", "status", "--role", "gui", "--lock", "{dir}"],
     "{dir}: the maintenance lock is a directory"),
    (["controller", "install-unit", "--path", "{dir}"], "{dir}: cannot write"),
    (["restore", "{dir}"], "{dir}: is a directory, not a regular file"),
])
def test_a_directory_for_a_file_or_a_file_for_a_directory_is_one_error(tmp_path, argv, what):
    """Not click's usage error (exit 2, three lines): the project's one line, exit 1."""
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("x\n")
    shutil.copy(EXAMPLE, tmp_path / "definition.toml")
    names = {"dir": tmp_path / "adir", "file": tmp_path / "afile", "tmp": tmp_path,
             "definition": tmp_path / "definition.toml"}
    before = tree(tmp_path)
    result = invoke(*[a.format(**names) for a in argv])
    one_error(result, what.format(**names))
    assert "Usage:" not in result.stderr
    assert tree(tmp_path) == before


HUGE = "9" * 5000


def example_line(text):
    """The line of the example that first holds ``text`` (the error must name it)."""
    source = Path(EXAMPLE).read_text()
    return f"def.toml:{source[:source.index(text)].count(chr(10)) + 1}: "


@pytest.mark.parametrize("old,new,where", [
    ("dad_timeout_ms = 100", f"dad_timeout_ms = {HUGE}", example_line("dad_timeout_ms = 100")),
    ("dad_timeout_ms = 100", "dad_timeout_ms = 0x" + "f" * 5000,
     example_line("dad_timeout_ms = 100")),
    ("port = 3001", f"port = {HUGE}", "def.toml:"),
    ("fall = 1 ", f"fall = -{HUGE} ", example_line("fall = 1 "))],
    ids=["5000-digits", "5000-hex-digits", "port", "negative"])
def test_a_number_too_large_to_read_is_one_error(tmp_path, old, new, where):
    """validate on a 5000-digit integer was a traceback (Python's 4300-digit limit)."""
    text = Path(EXAMPLE).read_text()
    assert old in text
    definition = tmp_path / "def.toml"
    definition.write_text(text.replace(old, new, 1))
    error = one_error(invoke("validate", definition), where, "too large")
    assert len(error) < 300


@pytest.mark.parametrize("ha_cf,words", [
    ("udpport abc\n", ["ha.cf:3", "udpport", "'abc'"]),
    (f"deadtime {HUGE}\n", ["ha.cf:3", "deadtime"]),
    ("bcast\n", ["ha.cf:3", "bcast", "interface"]),
    ("mcast eth0\n", ["ha.cf:3", "mcast"]),
    ("ucast eth0\n", ["ha.cf:3", "ucast"]),
    (f"udpport {HUGE}\n", ["ha.cf:3", "udpport"]),
    ("udpport 99999\n", ["ha.cf:3", "udpport"])],
    ids=["udpport-abc", "deadtime-5000-digits", "bare-bcast", "short-mcast", "short-ucast",
         "udpport-5000-digits", "udpport-99999"])
def test_import_heartbeat_names_a_bad_directive_never_a_traceback(tmp_path, ha_cf, words):
    (tmp_path / "ha.cf").write_text("node a\nnode b\n" + ha_cf)
    (tmp_path / "haresources").write_text("a 10.0.0.100 activator-ep\n")
    result = invoke("import-heartbeat", tmp_path, "--address", "a=10.0.0.1", "--address",
                    "b=10.0.0.2")
    error = one_error(result, *words)
    assert error.startswith(f"Error: {tmp_path}/ha.cf:3: ") and len(error) < 300
