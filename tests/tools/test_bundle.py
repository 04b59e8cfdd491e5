"""packaging/bundle.py: the RPM's bundled dependencies are the pinned files, byte for byte, and
only what runs is unpacked from them (the downloads are .ci/setup's: no network here)."""

import io
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUNDLE = os.path.join(REPO, "packaging", "bundle.py")
DOWNLOADED = os.path.join(REPO, "packaging", "bundled")


@pytest.fixture
def downloads(tmp_path):
    if not os.path.isdir(DOWNLOADED):
        pytest.fail("packaging/bundled/ is missing: run python3 packaging/bundle.py fetch "
                    "(.ci/setup does)")
    copy = tmp_path / "downloads"
    shutil.copytree(DOWNLOADED, copy)
    return copy


def install(root, downloads):
    return subprocess.run([sys.executable, BUNDLE, "install", str(root), "--dir",
                           str(downloads)], capture_output=True, text=True, timeout=60)


def test_the_pinned_files_unpack_to_what_runs_and_their_licences(tmp_path, downloads):
    done = install(tmp_path / "root", downloads)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["click 8.1.8", "pyinotify 0.9.6"]
    files = sorted(os.path.relpath(os.path.join(d, f), tmp_path / "root")
                   for d, _, names in os.walk(tmp_path / "root") for f in names)
    assert [f for f in files if not f.startswith("usr/lib/nfvd-ha/click/")] == [
        "usr/lib/nfvd-ha/click-8.1.8.dist-info/LICENSE.txt",
        "usr/lib/nfvd-ha/click-8.1.8.dist-info/METADATA",
        "usr/lib/nfvd-ha/click-8.1.8.dist-info/RECORD",
        "usr/lib/nfvd-ha/click-8.1.8.dist-info/WHEEL",
        "usr/lib/nfvd-ha/pyinotify-0.9.6.dist-info/METADATA",
        "usr/lib/nfvd-ha/pyinotify.py",
        "usr/share/licenses/nfvd-ha/click/LICENSE.txt",
        "usr/share/licenses/nfvd-ha/pyinotify/COPYING"]
    assert "usr/lib/nfvd-ha/click/core.py" in files
    licence = tmp_path / "root/usr/share/licenses/nfvd-ha/pyinotify/COPYING"
    assert "Permission is hereby granted, free of charge" in licence.read_text()


def test_a_download_that_differs_from_its_pin_is_not_used(tmp_path, downloads):
    wheel = next(downloads.glob("click-*.whl"))
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    done = install(tmp_path / "root", downloads)
    assert done.returncode == 1
    assert done.stderr == f"Error: {downloads}: no click==8.1.8 with the pinned SHA-256 " \
                          "(run: python3 packaging/bundle.py fetch)\n"
    assert not (tmp_path / "root").exists(), "nothing unpacked"


def test_a_wheel_member_outside_the_tree_is_refused(tmp_path):
    import runpy
    from_wheel = runpy.run_path(BUNDLE)["from_wheel"]
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as wheel:
        wheel.writestr("../../etc/evil.py", "x")
    with pytest.raises(SystemExit, match=r"^Error: archive member '\.\./\.\./etc/evil\.py': "):
        from_wheel(data.getvalue(), "evil", str(tmp_path / "root"))
    assert not (tmp_path / "etc").exists()
