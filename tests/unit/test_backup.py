"""nfvd-ha backup / restore on a node laid out under a temporary root, with the fake runner:
a 0600 archive created exclusively, a restore onto a rebuilt node, and archives as hostile
input (every bad member named, nothing written)."""

import io
import json
import os
import stat
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from nfvd_ha.commands import backup
from nfvd_ha.commands.backup import RestoreOptions
from nfvd_ha.cli import main
from nfvd_ha.renderers.corosync import render_corosync_conf
from nfvd_ha.definition import load_definition
from nfvd_ha.errors import NfvdHaError
from nfvd_ha.commands.node_setup import Host

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB_FF = os.path.join(REPO, "docker", "lab-ff.toml")
CIB = ('<cib admin_epoch="0" epoch="42" num_updates="7" validate-with="pacemaker-3.9">'
       '<configuration><crm_config/><nodes/><resources/><constraints/></configuration>'
       '<status/></cib>\n')
KEY = bytes(range(256))
NSS = {"cert9.db": b"certs", "key4.db": b"private keys", "pkcs11.txt": b"library=\n"}


def node(root, hostname="ff-node2", nss=True):
    """A configured lab FF node under ``root``."""
    conf = render_corosync_conf(load_definition(LAB_FF).clusters[0])
    os.makedirs(root / "etc/corosync/qdevice/net/nssdb")
    (root / "etc/corosync/corosync.conf").write_text(conf)
    (root / "etc/corosync/authkey").write_bytes(KEY)
    os.chmod(root / "etc/corosync/authkey", 0o400)
    for name, data in NSS.items() if nss else ():
        (root / "etc/corosync/qdevice/net/nssdb" / name).write_bytes(data)
    os.makedirs(root / "etc/nfvd-ha")
    (root / "etc/nfvd-ha/nfvd.toml").write_bytes(Path(LAB_FF).read_bytes())
    return Host(root=str(root), hostname=hostname)


def rebuilt(root, hostname="ff-node2"):
    os.makedirs(root, exist_ok=True)
    return Host(root=str(root), hostname=hostname)


def take(tmp_path, runner, name="nfvd-ff.backup"):
    host = node(tmp_path / f"old-{name}")
    runner.expect(["cibadmin", "--query"], CIB)
    out = tmp_path / name
    return backup.backup(str(out), runner, host), out


def files_under(root):
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, names in os.walk(root) for f in names)


def test_backup_is_one_private_archive_with_a_manifest(tmp_path, runner):
    manifest, out = take(tmp_path, runner)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == ["nfvd-ff.backup", "old-nfvd-ff.backup"]
    with tarfile.open(out) as tar:
        names = tar.getnames()
    assert names == ["manifest.json", "authkey", "cib.xml", "corosync.conf", "definition.toml",
                     "qdevice/cert9.db", "qdevice/key4.db", "qdevice/pkcs11.txt"]
    assert manifest["cluster"] == "nfvd-ff" and manifest["node"] == "ff-node2"
    assert manifest["nodes"] == ["ff-node1", "ff-node2"] and manifest["cib"] == [0, 42, 7]
    assert manifest["members"]["authkey"]["size"] == 256


def test_backup_never_overwrites_and_leaves_nothing_on_failure(tmp_path, runner):
    out = tmp_path / "exists"
    out.write_text("keep me")
    host = node(tmp_path / "old")
    runner.expect(["cibadmin", "--query"], CIB)
    with pytest.raises(NfvdHaError) as error:
        backup.backup(str(out), runner, host)
    assert "cannot create the archive: File exists" in str(error.value)
    assert out.read_text() == "keep me"
    os.unlink(tmp_path / "old/etc/corosync/authkey")
    runner.expect(["cibadmin", "--query"], "", rc=102, stderr="Could not connect to the CIB")
    with pytest.raises(NfvdHaError) as error:
        backup.backup(str(tmp_path / "new"), runner, host)
    problems = [str(p) for p in error.value.problems]
    assert problems[0].endswith("authkey: cannot read: No such file or directory")
    assert problems[1].startswith("the live CIB: cibadmin --query exited 102")
    assert not os.path.exists(tmp_path / "new")


def test_restore_onto_a_rebuilt_node(tmp_path, runner):
    _, out = take(tmp_path, runner)
    host, said = rebuilt(tmp_path / "new"), []
    runner.expect(["corosync-cfgtool", "-s"], "", rc=1, stderr="Could not initialize")
    manifest = backup.restore(RestoreOptions(str(out)), said.append, runner=runner, host=host)
    root = tmp_path / "new"
    assert (root / "etc/corosync/authkey").read_bytes() == KEY
    modes = {p: stat.S_IMODE(os.stat(root / p).st_mode) for p in files_under(root)}
    assert modes == {"etc/corosync/authkey": 0o400, "etc/corosync/corosync.conf": 0o644,
                     "etc/corosync/qdevice/net/nssdb/cert9.db": 0o600,
                     "etc/corosync/qdevice/net/nssdb/key4.db": 0o600,
                     "etc/corosync/qdevice/net/nssdb/pkcs11.txt": 0o600,
                     "etc/nfvd-ha/nfvd.toml": 0o600,
                     "var/lib/nfvd-ha/restored-cib.xml": 0o600}
    assert manifest["cluster"] == "nfvd-ff"
    assert said[-1] == ("note: no systemd on this host: nothing was started; start corosync, "
                        "then pacemaker, then corosync-qdevice with this host's init")
    assert not any(KEY.hex()[:16] in line for line in said)


def test_restore_with_systemd_starts_the_stack_and_waits_for_the_node(tmp_path, runner):
    _, out = take(tmp_path, runner)
    os.makedirs(tmp_path / "new/run/systemd/system")
    host = rebuilt(tmp_path / "new")
    runner.expect(["corosync-cfgtool", "-s"], "", rc=1)
    for unit in ("corosync", "pacemaker", "corosync-qdevice"):
        runner.expect(["systemctl", "is-enabled", f"{unit}.service"], "disabled\n", rc=1)
        runner.expect(["systemctl", "is-active", f"{unit}.service"], "inactive\n", rc=3)
    for unit in ("corosync", "pacemaker", "corosync-qdevice"):
        runner.expect(["systemctl", "enable", "--now", f"{unit}.service"])

    class Online:
        def status(self):
            from lxml import etree
            return etree.fromstring("<r><nodes><node name='ff-node2' online='true'/></nodes></r>")

        def wait_for(self, predicate, timeout, interval):
            return predicate()
    said = []
    backup.restore(RestoreOptions(str(out)), said.append, runner=runner, host=host,
                   pacemaker=Online())
    assert said[-1] == "ff-node2 is online in its cluster"


def test_restore_refuses_a_foreign_archive_a_running_stack_and_other_files(tmp_path, runner):
    _, out = take(tmp_path, runner)
    runner.expect(["corosync-cfgtool", "-s"], "Local node ID 1\n")
    with pytest.raises(NfvdHaError) as error:
        backup.restore(RestoreOptions(str(out), cluster="nfvd-aa"), print, runner=runner,
                       host=rebuilt(tmp_path / "aa", "aa-node1"))
    assert [str(p) for p in error.value.problems] == [
        "the archive is of cluster 'nfvd-ff', not 'nfvd-aa' (--cluster)",
        "the archive is of cluster 'nfvd-ff' (nodes: ff-node1, ff-node2): this host "
        "(aa-node1, uname -n) is not one of them",
        "corosync runs on this host: a restore is for a rebuilt node whose cluster stack is "
        "stopped"]
    assert files_under(tmp_path / "aa") == []
    node(tmp_path / "other", nss=False)
    host = Host(str(tmp_path / "other"), hostname="ff-node2")
    (tmp_path / "other/etc/corosync/authkey").chmod(0o600)
    (tmp_path / "other/etc/corosync/authkey").write_bytes(b"another key")
    (tmp_path / "other/etc/corosync/qdevice/net/nssdb/cert8.db").write_bytes(b"old")
    runner.expect(["corosync-cfgtool", "-s"], "", rc=1)
    with pytest.raises(NfvdHaError) as error:
        backup.restore(RestoreOptions(str(out)), print, runner=runner, host=host)
    assert [str(p).split("/other/", 1)[1] for p in error.value.problems] == [
        "etc/corosync/authkey: this host has another one (--force replaces it)",
        "etc/corosync/qdevice/net/nssdb/cert8.db: this host has another one (--force "
        "replaces it)"]
    assert (tmp_path / "other/etc/corosync/authkey").read_bytes() == b"another key"
    runner.expect(["corosync-cfgtool", "-s"], "", rc=1)
    backup.restore(RestoreOptions(str(out), force=True), runner=runner, host=host)
    assert (tmp_path / "other/etc/corosync/authkey").read_bytes() == KEY
    assert not os.path.exists(tmp_path / "other/etc/corosync/qdevice/net/nssdb/cert8.db")


def rewrite(out, edit):
    """The archive ``out`` rebuilt with ``edit(name, TarInfo, data)`` -> [(TarInfo, data)]."""
    with tarfile.open(out) as tar:
        items = [(i, tar.extractfile(i).read()) for i in tar.getmembers()]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for info, data in items:
            for new, payload in edit(info.name, info, data):
                tar.addfile(new, io.BytesIO(payload) if new.isreg() else None)
    out.write_bytes(buf.getvalue())


def entry(name, kind=tarfile.REGTYPE, data=b"", link=""):
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, len(data) if kind == tarfile.REGTYPE else 0, link
    return info, data


@pytest.mark.parametrize("extra,why", [
    (entry("../etc/passwd", data=b"x"), "a path outside the archive"),
    (entry("/etc/corosync/authkey", data=b"x"), "a path outside the archive"),
    (entry("qdevice/evil", tarfile.SYMTYPE, link="/etc/shadow"), "a link"),
    (entry("qdevice/hard", tarfile.LNKTYPE, link="authkey"), "a link"),
    (entry("qdevice/null", tarfile.CHRTYPE), "a device"),
    (entry("qdevice/sda", tarfile.BLKTYPE), "a device"),
    (entry("qdevice/fifo", tarfile.FIFOTYPE), "a FIFO"),
    (entry("qdevice/sub", tarfile.DIRTYPE), "not a regular file"),
    (entry("etc/cron.d/x", data=b"x"), "not a member of an nfvd-ha backup"),
    (entry("authkey", data=KEY), "in the archive twice"),
])
def test_hostile_members_are_refused_and_nothing_is_written(tmp_path, runner, extra, why):
    _, out = take(tmp_path, runner)
    rewrite(out, lambda name, info, data: [(info, data)] + ([extra] if name == "authkey"
                                                            else []))
    with pytest.raises(NfvdHaError) as error:
        backup.restore(RestoreOptions(str(out)), print, runner=runner,
                       host=rebuilt(tmp_path / "new"))
    assert f"member {extra[0].name!r}: {why}" in str(error.value)
    assert files_under(tmp_path / "new") == []


def test_an_oversize_member_is_refused_without_being_read(tmp_path, runner, monkeypatch):
    _, out = take(tmp_path, runner)
    monkeypatch.setattr(backup, "MAX_MEMBER", 1000)
    with pytest.raises(NfvdHaError) as error:
        backup.restore(RestoreOptions(str(out)), print, runner=runner,
                       host=rebuilt(tmp_path / "new"))
    assert "member 'corosync.conf': larger than 1000 bytes" in str(error.value)


def test_a_tampered_member_or_manifest_is_refused(tmp_path, runner):
    _, out = take(tmp_path, runner)

    def swap_key(name, info, data):
        if name != "authkey":
            return [(info, data)]
        return [entry("authkey", data=b"\0" * 256)]
    rewrite(out, swap_key)
    with pytest.raises(NfvdHaError) as error:
        backup.restore(RestoreOptions(str(out)), print, runner=runner,
                       host=rebuilt(tmp_path / "new"))
    assert str(error.value.problems[0]).endswith(
        "authkey differs from its manifest entry (size or SHA-256)")
    assert "changed or damaged" in error.value.hint
    _, out = take(tmp_path, runner, "second")

    def drop_cib(name, info, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            del manifest["members"]["cib.xml"]
            return [entry("manifest.json", data=json.dumps(manifest).encode())]
        return [] if name == "cib.xml" else [(info, data)]
    rewrite(out, drop_cib)
    with pytest.raises(NfvdHaError) as error:
        backup.restore(RestoreOptions(str(out)), print, runner=runner,
                       host=rebuilt(tmp_path / "new"))
    assert str(error.value.problems[0]).endswith("cib.xml is missing")
    assert files_under(tmp_path / "new") == []


@pytest.mark.parametrize("make,why", [
    (lambda p: p.write_bytes(b"not a tar"), "not an nfvd-ha backup (not an uncompressed tar"),
    (lambda p: os.mkfifo(p), "is a FIFO, not a regular file"),
    (lambda p: os.symlink("/etc/passwd", p), "not an nfvd-ha backup"),
])
def test_an_archive_that_is_not_one(tmp_path, runner, make, why):
    path = tmp_path / "bad"
    make(path)
    with pytest.raises(NfvdHaError) as error:
        backup.restore(RestoreOptions(str(path)), print, runner=runner,
                       host=rebuilt(tmp_path / "new"))
    assert why in str(error.value)


def test_a_compressed_or_manifestless_archive_is_refused(tmp_path, runner):
    path = tmp_path / "gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.addfile(*entry("authkey", data=b"k")[:1], io.BytesIO(b"k"))
    with pytest.raises(NfvdHaError) as error:
        backup.restore(RestoreOptions(str(path)), print, runner=runner,
                       host=rebuilt(tmp_path / "new"))
    assert "not an uncompressed tar archive" in str(error.value)
    bare = tmp_path / "bare"
    with tarfile.open(bare, "w") as tar:
        tar.addfile(*entry("authkey", data=b"k")[:1], io.BytesIO(b"k"))
    with pytest.raises(NfvdHaError) as error:
        backup.restore(RestoreOptions(str(bare)), print, runner=runner,
                       host=rebuilt(tmp_path / "new"))
    assert "not an nfvd-ha backup (no manifest.json)" in str(error.value)


def test_cli_errors_are_one_line_each_and_secrets_never_printed(tmp_path, runner):
    _, out = take(tmp_path, runner)
    result = CliRunner().invoke(main, ["restore", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("Error: ")
    assert KEY.hex()[:16] not in result.output


def test_a_link_in_the_quorum_device_database_is_not_followed_into_the_archive(tmp_path, runner):
    host = node(tmp_path / "old")
    os.symlink("/etc/shadow", tmp_path / "old/etc/corosync/qdevice/net/nssdb/key4.db.bak")
    runner.expect(["cibadmin", "--query"], CIB)
    with pytest.raises(NfvdHaError) as error:
        backup.backup(str(tmp_path / "b"), runner, host)
    assert str(error.value).endswith("key4.db.bak: not a regular file (the quorum device's "
                                     "database holds only files)")
    assert not os.path.exists(tmp_path / "b")


def test_a_relative_definition_target_is_taken_from_the_working_directory(tmp_path, runner,
                                                                         monkeypatch):
    _, out = take(tmp_path, runner)
    runner.expect(["corosync-cfgtool", "-s"], "", rc=1)
    monkeypatch.chdir(tmp_path)
    backup.restore(RestoreOptions(str(out), definition_to="here.toml"), runner=runner,
                   host=rebuilt(tmp_path / "new"))
    assert (tmp_path / "new" / str(tmp_path).lstrip("/") / "here.toml").exists()
