"""packaging/build.sh: a .deb and an .rpm with the same tree (agents 0755 under the OCF root,
their runtime world-readable beside them, the CLI on a private copy, the controller's and the
health endpoints' units, man pages, bash completion), checked with dpkg-deb, lintian and rpm
themselves. The .deb runs on Debian's own click and pyinotify; the RPM bundles them (RHEL has
no python3.11 builds) and asks dnf only for what RHEL ships: its payload, unpacked, runs on a
Python that has nothing but lxml besides the standard library.
tests/cluster/test_package_install.py installs the .deb into a bare Debian container."""

import os
import runpy
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PINS = runpy.run_path(os.path.join(REPO, "packaging", "bundle.py"))["pins"]()
MAN_PAGES = ["/usr/share/man/man8/nfvd-ha.8.gz"] + [
    f"/usr/share/man/man7/ocf_nfvd_{name}.7.gz"
    for name in ("activator-ep", "nfvd-assurance", "nfvd-hpsa", "shared-fs", "vip")]
COMPLETION = "/usr/share/bash-completion/completions/nfvd-ha"
UNITS = ("nfvd-ha-controller.service", "nfvd-ha-health@.service")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(["bash", os.path.join(REPO, "packaging", "build.sh"), str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    deb, rpm = done.stdout.split()
    return deb, rpm


@pytest.fixture(scope="module")
def rpm_payload(built, tmp_path_factory):
    """The RPM's payload unpacked as rpm2cpio | cpio would on a RHEL host."""
    root = tmp_path_factory.mktemp("rpm-payload")
    done = subprocess.run(f"rpm2cpio {built[1]} | cpio -idm --quiet", shell=True, cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return root


def run(*argv):
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def deb_tree(deb):
    """{path: (mode string, owner)} of the .deb's payload."""
    tree = {}
    for line in run("dpkg-deb", "-c", deb).splitlines():
        mode, owner, _, _, _, path = line.split(None, 5)
        tree[path.removeprefix(".").rstrip("/") or "/"] = (mode, owner)
    return tree


def test_the_deb_holds_agents_runtime_cli_units_man_pages_and_completion(built):
    tree = deb_tree(built[0])
    for agent in ("activator-ep", "nfvd-assurance", "shared-fs", "vip"):
        assert tree[f"/usr/lib/ocf/resource.d/nfvd/{agent}"] == ("-rwxr-xr-x", "root/root")
    assert tree["/usr/lib/ocf/lib/nfvd/nfvd_ocf/runtime.py"] == ("-rw-r--r--", "root/root")
    assert tree["/usr/lib/ocf/lib/nfvd/holds-address"][0] == "-rwxr-xr-x"
    assert tree["/usr/bin/nfvd-ha"][0] == "-rwxr-xr-x"
    assert tree["/etc/nfvd-ha"] == ("drwxr-xr-x", "root/root"), "where the docs put the definition"
    assert tree["/usr/lib/nfvd-ha/nfvd_ha/cli/__init__.py"][0] == "-rw-r--r--"
    assert tree["/usr/lib/nfvd-ha/nfvd_ha/examples/reference.toml"][0] == "-rw-r--r--"
    for unit in UNITS:
        assert tree[f"/lib/systemd/system/{unit}"][0] == "-rw-r--r--"
    for path in MAN_PAGES + [COMPLETION, "/usr/share/doc/nfvd-ha/copyright",
                             "/usr/share/doc/nfvd-ha/changelog.gz"]:
        assert tree[path] == ("-rw-r--r--", "root/root"), path
    assert all(mode == "drwxr-xr-x" for path, (mode, _) in tree.items()
               if mode.startswith("d")), "every directory 0755"
    assert not [p for p in tree if "__pycache__" in p or p.endswith(".pyc")]
    assert not [p for p in tree if p.startswith("/usr/lib/nfvd-ha/tests")]
    assert not [p for p in tree if "click" in p or "pyinotify" in p], "Debian's own, not ours"


def test_the_deb_says_what_it_needs(built):
    fields = dict(line.split(": ", 1) for line in run(
        "dpkg-deb", "-f", built[0], "Package", "Architecture", "Depends").splitlines())
    assert fields == {"Package": "nfvd-ha", "Architecture": "all",
                      "Depends": "python3 (>= 3.11), python3-lxml, python3-click, "
                                 "python3-pyinotify"}


def test_lintian_finds_no_error_and_no_warning_in_the_deb(built):
    """Left: I: package-supports-alternative-init-but-no-init.d-script (systemd units only)."""
    if not shutil.which("lintian"):
        pytest.fail("lintian is not installed (.ci/setup installs it)")
    done = subprocess.run(["lintian", "--tag-display-limit", "0", built[0]],
                          capture_output=True, text=True, timeout=120)
    tags = [line for line in done.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert tags == [] and done.returncode == 0, done.stdout + done.stderr


def test_launchers_point_at_the_installed_runtime(built, tmp_path):
    run("dpkg-deb", "-x", built[0], str(tmp_path))
    vip = (tmp_path / "usr/lib/ocf/resource.d/nfvd/vip").read_text()
    assert vip.startswith("#!/usr/bin/python3 -IS\n")
    assert "sys.path.insert(0, '/usr/lib/ocf/lib/nfvd')" in vip and str(tmp_path) not in vip
    cli = (tmp_path / "usr/bin/nfvd-ha").read_text()
    assert cli.startswith("#!/usr/bin/python3\n") and '"/usr/lib/nfvd-ha"' in cli
    for unit in UNITS:
        text = (tmp_path / "lib/systemd/system" / unit).read_text()
        assert "ExecStart=/usr/bin/nfvd-ha " in text and "/usr/local" not in text
    assert "ExecStart=/usr/bin/nfvd-ha health serve --role %i --bind ${BIND} $OPTIONS" in \
        (tmp_path / "lib/systemd/system/nfvd-ha-health@.service").read_text()


def test_systemd_accepts_the_units(built, tmp_path):
    """systemd-analyze verify on the shipped units (the launcher at its extracted path, and the
    health template as one instance per role)."""
    run("dpkg-deb", "-x", built[0], str(tmp_path / "root"))
    units = tmp_path / "units"
    units.mkdir()
    launcher = tmp_path / "root/usr/bin/nfvd-ha"
    for unit in UNITS:
        text = (tmp_path / "root/lib/systemd/system" / unit).read_text()
        (units / unit).write_text(text.replace("/usr/bin/nfvd-ha", str(launcher)))
    for name in ("nfvd-ha-controller.service", "nfvd-ha-health@gui.service",
                 "nfvd-ha-health@sitescope.service"):
        done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(units / name)],
                              capture_output=True, text=True, timeout=60)
        assert (done.returncode, done.stderr) == (0, ""), (name, done.stderr)


def test_the_man_pages_are_the_generated_ones(built, tmp_path):
    run("dpkg-deb", "-x", built[0], str(tmp_path))
    for page in MAN_PAGES:
        done = subprocess.run(["man", "-l", str(tmp_path / page.lstrip("/"))],
                              capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80"))
        name = os.path.basename(page).split(".")[0]
        assert f"NAME\n       {name} - " in done.stdout and done.stderr == "", page


def rpm_tree(rpm):
    """{path: mode string} of the RPM's payload."""
    return {line.split()[-1]: line.split()[0] for line in run("rpm", "-qlvp", rpm).splitlines()}


def test_the_rpm_holds_the_same_tree_on_python3_11_and_its_bundle(built):
    tree = rpm_tree(built[1])
    files = {p for p, mode in tree.items() if not mode.startswith("d")}
    bundle = {p for p in files if p.startswith(("/usr/lib/nfvd-ha/click", "/usr/lib/nfvd-ha/py",
                                                "/usr/share/licenses/nfvd-ha/"))}
    deb = {p for p, (mode, _) in deb_tree(built[0]).items() if not mode.startswith("d")}
    assert files - bundle == {p.replace("/lib/systemd/", "/usr/lib/systemd/") for p in deb} - {
        "/usr/share/doc/nfvd-ha/copyright", "/usr/share/doc/nfvd-ha/changelog.gz"}
    assert {"/usr/lib/nfvd-ha/click/core.py", "/usr/lib/nfvd-ha/click-8.1.8.dist-info/METADATA",
            "/usr/lib/nfvd-ha/pyinotify.py", "/usr/lib/nfvd-ha/pyinotify-0.9.6.dist-info/METADATA",
            "/usr/share/licenses/nfvd-ha/click/LICENSE.txt",
            "/usr/share/licenses/nfvd-ha/pyinotify/COPYING"} <= bundle
    assert not [p for p in tree if p.startswith("/usr/lib/ocf") and
                ("click" in p or "pyinotify" in p)], "never on the agents' path"
    owned = {p for p, mode in tree.items() if mode.startswith("d")}
    assert {"/etc/nfvd-ha", "/usr/lib/nfvd-ha", "/usr/lib/nfvd-ha/click",
            "/usr/lib/ocf/resource.d/nfvd",
            "/usr/lib/ocf/lib/nfvd", "/usr/share/doc/nfvd-ha",
            "/usr/share/licenses/nfvd-ha"} <= owned
    assert not owned & {"/usr/lib", "/usr/lib/ocf", "/usr/share/man/man8"}, "not ours alone"
    assert tree["/usr/lib/ocf/resource.d/nfvd/vip"] == "-rwxr-xr-x"
    assert tree["/usr/bin/nfvd-ha"] == "-rwxr-xr-x"
    assert {m for p, m in tree.items() if p.startswith("/usr/lib/nfvd-ha/")} == \
        {"-rw-r--r--", "drwxr-xr-x"}


def test_the_rpm_asks_only_for_what_rhel_ships_and_declares_its_bundle(built):
    requires = {r for r in run("rpm", "-qpR", built[1]).splitlines()
                if not r.startswith("rpmlib(")}
    assert requires == {"python3.11", "python3.11-lxml"}
    provides = set(run("rpm", "-qp", "--provides", built[1]).splitlines())
    assert {f"bundled(python3dist({name})) = {version}" for name, version, _ in PINS} <= provides
    assert {name for name, _, _ in PINS} == {"click", "pyinotify"}
    assert set(run("rpm", "-qpL", built[1]).split()) == {
        "/usr/share/licenses/nfvd-ha/click/LICENSE.txt",
        "/usr/share/licenses/nfvd-ha/pyinotify/COPYING"}


def test_the_rpm_launchers_run_python3_11(rpm_payload):
    assert (rpm_payload / "usr/lib/ocf/resource.d/nfvd/vip").read_text().startswith(
        "#!/usr/bin/python3.11 -IS\n")
    assert (rpm_payload / "usr/bin/nfvd-ha").read_text().startswith("#!/usr/bin/python3.11\n")


def test_both_packages_carry_the_same_completion_and_man_pages(built, rpm_payload, tmp_path):
    run("dpkg-deb", "-x", built[0], str(tmp_path))
    for path in MAN_PAGES + [COMPLETION]:
        assert (tmp_path / path.lstrip("/")).read_bytes() == \
            (rpm_payload / path.lstrip("/")).read_bytes(), path


SYSTEM_PYTHON = "/usr/bin/python3"
SYSTEM_LXML = "/usr/lib/python3/dist-packages/lxml"

# run inside a mount namespace where the payload's /usr lies over the host's
IN_PAYLOAD = r"""
set -e
mount -t overlay overlay -o "lowerdir=$PAYLOAD/usr:/usr" /usr
py="$VENV/bin/python -I"
echo "== version"; $py /usr/bin/nfvd-ha --version
echo "== example"; $py /usr/bin/nfvd-ha example > "$WORK/nfvd.toml"
echo "== validate"; $py /usr/bin/nfvd-ha validate "$WORK/nfvd.toml"
echo "== render"; $py /usr/bin/nfvd-ha render "$WORK/nfvd.toml" --out "$WORK/out" | tail -1
echo "== imports"
$py -c 'import sys; sys.path.insert(0, "/usr/lib/nfvd-ha")
from nfvd_ha.commands.maintenance import watch
import click, lxml, pyinotify
pyinotify.WatchManager().add_watch("/usr/lib/nfvd-ha", pyinotify.IN_CREATE)
print(click.__file__, pyinotify.__file__, lxml.__file__)'
echo "== completion"
mkdir "$WORK/bin"
printf '#!/bin/sh\nexec %s -I /usr/bin/nfvd-ha "$@"\n' "$VENV/bin/python" > "$WORK/bin/nfvd-ha"
chmod +x "$WORK/bin/nfvd-ha"
PATH="$WORK/bin:$PATH" bash --norc --noprofile -c '
source /usr/share/bash-completion/completions/nfvd-ha
COMP_WORDS=(nfvd-ha health ""); COMP_CWORD=2; _nfvd_ha_completion nfvd-ha
echo "${COMPREPLY[@]}"'
echo "== agent"; /usr/lib/ocf/resource.d/nfvd/vip meta-data | grep "^<resource-agent "
"""


@pytest.mark.root
def test_the_rpm_payload_runs_on_a_python_with_nothing_but_lxml(rpm_payload, tmp_path):
    """A venv of the system's Python without its site-packages, lxml alone linked into it,
    proven unable to import click or pyinotify; the payload's /usr laid over the host's in a
    mount namespace of its own (nothing installed on the host), and its launcher run there."""
    venv = tmp_path / "venv"
    run(SYSTEM_PYTHON, "-m", "venv", "--without-pip", str(venv))
    site = next((venv / "lib").glob("python3.*")) / "site-packages"
    os.symlink(SYSTEM_LXML, site / "lxml")
    python = str(venv / "bin" / "python")
    for absent in ("click", "pyinotify"):
        probe = subprocess.run([python, "-I", "-c", f"import {absent}"], capture_output=True,
                               timeout=60)
        assert probe.returncode == 1, f"{absent} importable without the payload"
    run(python, "-I", "-c", "import lxml.etree")
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "bash", "-c",
                           IN_PAYLOAD], capture_output=True, text=True, timeout=180,
                          env=dict(os.environ, PAYLOAD=str(rpm_payload), VENV=str(venv),
                                   WORK=str(work)))
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    assert section(out, "version") == "nfvd-ha, version 0.1.0"
    assert "cluster nfvd-ff: 2 nodes" in section(out, "validate")
    assert section(out, "render").startswith("wrote ")
    click_at, pyinotify_at, lxml_at = section(out, "imports").split()
    assert click_at == "/usr/lib/nfvd-ha/click/__init__.py"
    assert pyinotify_at == "/usr/lib/nfvd-ha/pyinotify.py"
    assert lxml_at.startswith(str(site))
    assert section(out, "completion") == "install-unit serve"
    assert section(out, "agent") == '<resource-agent name="vip" version="1.0">'
    assert not os.path.exists("/usr/lib/nfvd-ha"), "nothing leaked onto the host"


def section(out, name):
    return out.split(f"== {name}\n")[1].split("\n== ")[0].strip()
