"""Rendered files of the built-in example against golden files, byte for byte; the same in
a fresh process (no state, dict order or hash seed leaks into the output).

Regenerate after an intended change: NFVD_HA_REGOLD=1 pytest tests/unit/render
"""

import json
import os
import subprocess
import sys

import pytest

from nfvd_ha.commands import render
from nfvd_ha.definition import EXAMPLE, load_definition

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(__file__)), "golden")
PASSWORD = "golden-stats-password-0123"  # the golden haproxy.cfg's; real ones are generated


def build():
    files, _ = render.build(load_definition(EXAMPLE), stats_password=PASSWORD)
    return {rel: data for rel, data, _ in files}


FILES = build()


@pytest.mark.parametrize("rel", sorted(FILES))
def test_matches_golden(rel):
    path = os.path.join(GOLDEN, rel)
    if os.environ.get("NFVD_HA_REGOLD"):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(FILES[rel])
    with open(path) as f:
        assert FILES[rel] == f.read()


def test_a_fresh_process_renders_the_same_bytes():
    code = ("import json; from nfvd_ha.commands import render; "
            "from nfvd_ha.definition import EXAMPLE, load_definition; "
            f"files, _ = render.build(load_definition(EXAMPLE), stats_password={PASSWORD!r}); "
            "print(json.dumps({r: d for r, d, _ in files}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=dict(os.environ, PYTHONHASHSEED="12345")).stdout
    assert json.loads(out) == FILES


def test_expected_layout():
    assert set(FILES) == {
        "nfvd-ff/cib.xml", "nfvd-ff/corosync.conf", "nfvd-ff/ha.d/ha.cf",
        "nfvd-ff/ha.d/haresources", "nfvd-aa/cib.xml", "nfvd-aa/corosync.conf",
        "nfvd-aa/ha.d/ha.cf", "nfvd-aa/ha.d/haresources", "nfvd-lb/cib.xml",
        "nfvd-lb/corosync.conf", "nfvd-lb/ha.d/ha.cf", "nfvd-lb/ha.d/haresources",
        "haproxy/haproxy.cfg", "f5/as3.json", "f5/nfvd.tmsh",
        "nfvd-ff/openstack-allowed-address-pairs.sh", "nfvd-aa/openstack-allowed-address-pairs.sh",
        "nfvd-lb/openstack-allowed-address-pairs.sh", "mounts/gui-node1/image_repository.mount",
        "mounts/gui-node1/fstab", "mounts/gui-node2/image_repository.mount",
        "mounts/gui-node2/fstab"}
