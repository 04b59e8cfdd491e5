"""Paths judged component by component (nfvd_ocf/trusted.py): no symlink on the way, every
directory passed root's and writable by root alone, or root's and sticky."""

import os

import pytest

from nfvd_ocf import trusted

pytestmark = pytest.mark.root


def test_missing_directories_are_fine_and_made_on_request(tmp_path):
    target = tmp_path / "a" / "b" / "c"
    assert trusted.directory_chain_problem(str(target)) is None
    assert not (tmp_path / "a").exists()
    assert trusted.directory_chain_problem(str(target), create=True) is None
    assert target.is_dir() and oct((tmp_path / "a").stat().st_mode & 0o777) == "0o755"


def test_a_symlink_anywhere_on_the_way_is_named(tmp_path):
    (tmp_path / "real" / "x").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert trusted.directory_chain_problem(str(tmp_path / "link" / "x")) == \
        f"{tmp_path}/link is a symlink"
    assert trusted.directory_chain_problem(str(tmp_path / "link")) == \
        f"{tmp_path}/link is a symlink"
    with pytest.raises(trusted.Untrusted):
        os.close(trusted.open_beneath(str(tmp_path / "link" / "x"), os.O_PATH))


@pytest.mark.parametrize("mode,owner,problem", [
    (0o777, 0, "is writable by others (mode 0777)"), (0o775, 0, "is writable by others"),
    (0o1777, 0, None), (0o1777, 65534, "belongs to uid 65534"), (0o755, 65534,
                                                                 "belongs to uid 65534")])
def test_who_may_change_a_directory_on_the_way(tmp_path, mode, owner, problem):
    parent = tmp_path / "p"
    (parent / "x").mkdir(parents=True)
    parent.chmod(mode)
    os.chown(parent, owner, 0)
    found = trusted.directory_chain_problem(str(parent / "x"))
    assert (found is None) if problem is None else (problem in found and str(parent) in found)


def test_sticky_is_no_excuse_for_the_last_directories_when_strict(tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    (keys / "k").write_text("x")
    keys.chmod(0o1777)
    with pytest.raises(trusted.Untrusted, match="writable by others"):
        trusted.open_beneath(str(keys / "k"), strict_last=1)
    os.close(trusted.open_beneath(str(keys / "k")))  # sticky root-owned: fine otherwise


def test_a_file_on_the_way_is_no_directory(tmp_path):
    (tmp_path / "f").write_text("x")
    assert trusted.directory_chain_problem(str(tmp_path / "f" / "x")) == \
        f"{tmp_path}/f is not a directory"
