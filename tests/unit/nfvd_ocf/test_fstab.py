"""/etc/fstab lines that mount a directory at boot (nfvd_ocf.fstab), and reading the file
as hostile input (a symlink, a FIFO, a huge file are refused, never followed or blocked on)."""

import os

import pytest

from nfvd_ocf import fstab

TEXT = """\
# <file system> <mount point> <type> <options> <dump> <pass>
UUID=1234 / ext4 errors=remount-ro 0 1
10.75.14.23:/var/opt/UCA-EBC /var/opt/UCA-EBC nfs defaults 0 0
nfs:/images /image_repository/ nfs noauto,_netdev 0 0
nfs:/spaced /mnt/with\\040space nfs rw
tmpfs /var/opt/UCA-EBC/cache tmpfs size=8m 0 0
short line
"""


def test_the_guides_line_mounts_at_boot():
    [entry] = fstab.boot_mounts("/var/opt/UCA-EBC", TEXT)
    assert (entry.number, entry.device, entry.fstype, entry.options) == (
        3, "10.75.14.23:/var/opt/UCA-EBC", "nfs", "defaults")
    assert fstab.advice(entry) == (
        "/etc/fstab:3 mounts /var/opt/UCA-EBC at boot ('10.75.14.23:/var/opt/UCA-EBC "
        "/var/opt/UCA-EBC nfs defaults 0 0'): the cluster mounts it where its resource runs; "
        "add noauto to that line's options or remove it, and unmount it here")
    # an agent's exit reason: Pacemaker keeps 128 characters
    assert fstab.reason(entry) == ("/etc/fstab:3 mounts /var/opt/UCA-EBC at boot: add noauto to "
                                   "that line or remove it, then unmount it")
    assert len(fstab.reason(entry)) <= 128


def test_noauto_escapes_trailing_slashes_and_other_directories():
    assert fstab.boot_mounts("/image_repository", TEXT) == []            # noauto
    assert [e.number for e in fstab.parse(TEXT) if e.directory == "/image_repository"] == [4]
    assert [e.number for e in fstab.boot_mounts("/mnt/with space", TEXT)] == [5]
    assert fstab.boot_mounts("/var/opt", TEXT) == []                     # not a prefix match
    assert [e.number for e in fstab.boot_mounts("/var/opt/UCA-EBC/", TEXT)] == [3]


def test_a_control_character_in_the_line_is_not_echoed():
    [entry] = fstab.boot_mounts("/d", "dev /d nfs defaults\x1b[2J 0 0\n")
    assert "\x1b" not in fstab.advice(entry) and "?[2J" in fstab.advice(entry)


def test_reading(tmp_path):
    assert fstab.read(str(tmp_path / "none")) == ""
    (tmp_path / "fstab").write_text(TEXT)
    assert fstab.read(str(tmp_path / "fstab")) == TEXT
    os.symlink(tmp_path / "fstab", tmp_path / "link")
    with pytest.raises(OSError):
        fstab.read(str(tmp_path / "link"))
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(ValueError, match="not a regular file"):
        fstab.read(str(tmp_path / "fifo"))
    (tmp_path / "big").write_bytes(b"#" * (fstab.MAX_FSTAB + 1))
    with pytest.raises(ValueError, match="larger than"):
        fstab.read(str(tmp_path / "big"))
