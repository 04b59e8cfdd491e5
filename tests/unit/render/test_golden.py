"""Rendered files of the built-in example against golden files; determinism.

Regenerate after an intended change: NFVD_HA_REGOLD=1 pytest tests/unit/render
"""

import os

import pytest
from lxml import etree

from nfvd_ha import render
from nfvd_ha.cli_more import EXAMPLE
from nfvd_ha.definition import load_definition

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(__file__)), "golden")
FILES = dict((rel, data) for rel, data, _ in render.build(load_definition(EXAMPLE)))


@pytest.mark.parametrize("rel", sorted(FILES))
def test_matches_golden(rel):
    path = os.path.join(GOLDEN, rel)
    if os.environ.get("NFVD_HA_REGOLD"):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(FILES[rel])
    with open(path) as f:
        golden = f.read()
    if rel.endswith(".xml"):
        parser = etree.XMLParser(remove_blank_text=True)
        assert etree.tostring(etree.fromstring(FILES[rel].encode(), parser)) == \
            etree.tostring(etree.fromstring(golden.encode(), parser))
    else:
        assert FILES[rel] == golden


def test_rendering_is_byte_identical_every_time():
    again = dict((rel, data) for rel, data, _ in render.build(load_definition(EXAMPLE)))
    assert again == FILES


def test_expected_layout():
    assert set(FILES) == {
        "nfvd-ff/cib.xml", "nfvd-ff/corosync.conf", "nfvd-ff/ha.d/ha.cf",
        "nfvd-ff/ha.d/haresources", "nfvd-aa/cib.xml", "nfvd-aa/corosync.conf",
        "nfvd-aa/ha.d/ha.cf", "nfvd-aa/ha.d/haresources", "haproxy/haproxy.cfg"}
