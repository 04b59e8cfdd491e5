"""The rendered boot mounts against systemd's own tools: unit names as systemd-escape makes
them, and `systemd-analyze verify` accepts the units (it refuses one whose Where= does not
match its name)."""

import shutil
import subprocess

import pytest

from nfvd_ha.renderers import mount_units
from nfvd_ha.commands import render
from nfvd_ha.definition import EXAMPLE, load_definition, load_text


@pytest.fixture(autouse=True)
def tools():
    for tool in ("systemd-escape", "systemd-analyze"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is not installed (systemd)")


@pytest.mark.parametrize("directory", ["/image_repository", "/var/opt/UCA-EBC",
                                       "/srv/a.b/c@d+e,f=g:h", "/srv/.hidden", "/.hidden/x",
                                       "/srv/x_y-z"])
def test_unit_names_match_systemd_escape(directory):
    out = subprocess.run(["systemd-escape", "--path", "--suffix=mount", directory],
                         capture_output=True, text=True, check=True, timeout=10)
    assert mount_units.unit_name(directory) == out.stdout.strip()


def verify(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    return subprocess.run(["systemd-analyze", "verify", f"./{name}"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def test_systemd_accepts_the_rendered_units(tmp_path):
    files = render.build(load_definition(EXAMPLE), ("mounts",))[0]
    units = [(rel.rsplit("/", 1)[1], text) for rel, text, _ in files if rel.endswith(".mount")]
    assert units
    for name, text in units:
        done = verify(tmp_path, name, text)
        assert done.returncode == 0, done.stdout + done.stderr
    # the check is live: a unit whose Where= is not its name is refused
    done = verify(tmp_path, units[0][0], units[0][1].replace("Where=/image_repository",
                                                             "Where=/other"))
    assert done.returncode != 0 and "doesn't match unit name" in done.stdout + done.stderr


def test_a_dashed_directorys_unit_is_accepted_too(tmp_path):
    definition = load_text('[[mount]]\nid = "m"\nhosts = ["h"]\ndevice = "srv:/x"\n'
                           'directory = "/var/opt/UCA-EBC"\n')
    mount = definition.mounts[0]
    done = verify(tmp_path, mount_units.unit_name(mount.directory),
                  mount_units.render_mount_unit(mount, "h"))
    assert done.returncode == 0, done.stdout + done.stderr
