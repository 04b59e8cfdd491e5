"""The rendered allowed-address-pairs script run by sh against a stand-in `openstack` CLI (no
OpenStack here): the exact port lookups and `port set` commands, quoting kept, a missing
port or a refused pair counted and the exit code 1, the rest still done."""

import subprocess

from nfvd_ha.renderers import openstack
from nfvd_ha.definition import load_text

from helpers.definitions import OPENSTACK_CLUSTER as CLUSTER

STUB = """#!/bin/sh
echo "$*" >> "$OPENSTACK_LOG"
case "$1 $2" in
"port list")  # --server S --fixed-ip ip-address=IP -f value -c ID
    [ "$4" = "3f1c2a9e-0000-4000-8000-000000000001" ] && [ "$6" = "ip-address=10.1.0.1" ] \\
        && { echo p-one; exit 0; }
    [ "$6" = "ip-address=10.1.0.2" ] && { echo p-two; exit 0; }
    [ "$6" = "ip-address=10.0.0.1" ] && { echo p-three; exit 0; }
    exit 0 ;;  # no such port: empty
"port set") [ "$5" = p-three ] && { echo "Duplicate address pair" >&2; exit 1; }; exit 0 ;;
esac
exit 2
"""


SERVER_ONE = "3f1c2a9e-0000-4000-8000-000000000001"  # n1's fence_openstack plug


def run(tmp_path, text):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "openstack").write_text(STUB)
    (bin_dir / "openstack").chmod(0o755)
    script = tmp_path / "pairs.sh"
    script.write_text(text)
    log = tmp_path / "log"
    log.write_text("")
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "OPENSTACK_LOG": str(log)}
    done = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True,
                          timeout=30)
    return done, log.read_text().splitlines()


def test_the_script_sets_each_pair_once_and_counts_what_failed(tmp_path):
    text = openstack.render_allowed_address_pairs(load_text(CLUSTER).clusters[0])
    done, calls = run(tmp_path, text)
    sets = [c for c in calls if c.startswith("port set")]
    assert sets == ["port set --allowed-address ip-address=10.1.0.100 p-one",
                    "port set --allowed-address ip-address=10.1.0.100 p-two",
                    "port set --allowed-address ip-address=10.0.0.200 p-three",
                    "port set --allowed-address ip-address=10.0.0.200 p-one",
                    "port set --allowed-address ip-address=10.0.0.200 p-two"]
    assert f"port list --server {SERVER_ONE} --fixed-ip ip-address=10.1.0.1 -f value -c ID" \
        in calls
    assert done.returncode == 1
    # 10.0.0.2 has no port; p-three refused (a duplicate); 192.168.5.5 on no subnet, twice
    assert done.stderr.count("FAILED") == 4 and "4 pair(s) not set" in done.stderr
    assert f"allowed 10.1.0.100 on {SERVER_ONE} (10.1.0.1, port p-one)" in done.stdout


def test_all_set_exits_0(tmp_path):
    text = openstack.render_allowed_address_pairs(load_text(CLUSTER.split(
        "  [[cluster.resource]]\n  id = \"v2\"")[0]).clusters[0])
    done, calls = run(tmp_path, text)
    assert done.returncode == 0, done.stderr
    assert [c for c in calls if c.startswith("port set")] == [
        "port set --allowed-address ip-address=10.1.0.100 p-one",
        "port set --allowed-address ip-address=10.1.0.100 p-two"]
