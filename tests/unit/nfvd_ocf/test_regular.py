"""nfvd_ocf.regular.read_regular: hostile files are refused on the opened descriptor."""

import os

import pytest

from nfvd_ocf.regular import read_regular


def test_a_regular_file_within_the_cap_and_the_judge(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    assert read_regular(str(path), 3) == b"abc"
    with pytest.raises(ValueError, match="^is larger than 2 bytes$"):
        read_regular(str(path), 2)
    with pytest.raises(ValueError, match="^not mine$"):
        read_regular(str(path), 3, lambda info: "not mine")


def test_symlinks_fifos_and_directories_are_refused_without_blocking(tmp_path):
    (tmp_path / "f").write_text("x")
    os.symlink(tmp_path / "f", tmp_path / "link")
    with pytest.raises(OSError):
        read_regular(str(tmp_path / "link"), 10)
    os.mkfifo(tmp_path / "fifo")          # no writer: a blocking open would hang here
    with pytest.raises(ValueError, match="^is not a regular file$"):
        read_regular(str(tmp_path / "fifo"), 10)
    with pytest.raises(ValueError, match="^is not a regular file$"):
        read_regular(str(tmp_path), 10)
