"""What Pacemaker 3.0 removed from the CIB (its ChangeLog, 3.0.0: docs/design/pacemaker-3.md)
never appears in a CIB nfvd-ha renders, for the example and every lab definition; and the
schema it declares is one both Pacemaker 2.1.5 and 3.0 accept. crm_verify, crmsh and
crm_simulate of both stacks on the same CIBs: tests/tools (2.1) and
tests/cluster/test_stack_tools.py (3.0)."""

import os

import pytest
from lxml import etree

from crm import cib as crm_cib
from nfvd_ha.commands import render
from nfvd_ha.definition import EXAMPLE, load_definition

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
SOURCES = (EXAMPLE, *(os.path.join(REPO, "docker", f"lab-{n}.toml") for n in ("ff", "aa",
                                                                             "lbpair")))
#: cluster options Pacemaker 3.0 dropped, and the ones it deprecated
REMOVED_OPTIONS = {"crmd-finalization-timeout", "crmd-integration-timeout",
                   "crmd-transition-delay", "remove-after-stop", "concurrent-fencing"}
#: resource and operation options it dropped or deprecated
REMOVED_META = {"restart-type", "can-fail", "can_fail", "role_after_failure", "record-pending"}
#: constraint attributes it dropped
REMOVED_CONSTRAINT = {"rsc-instance", "with-rsc-instance", "first-instance", "then-instance"}
#: the schemas each accepts (Pacemaker's xml/ directory at the two releases): 2.1.5's
#: newest is pacemaker-3.9; 3.0 rejects pacemaker-0.6, -0.7, -1.1, -next and unknown names
ACCEPTED_BY_BOTH = {f"pacemaker-3.{minor}" for minor in range(10)}


def cibs():
    for source in SOURCES:
        files, _ = render.build(load_definition(source), targets=("cib",),
                                stats_password="unit-test-password-1234")
        for rel, text, _ in files:
            if rel.endswith("cib.xml"):
                yield f"{os.path.basename(source)}:{rel}", etree.fromstring(text.encode())


CIBS = list(cibs())


def test_every_definition_renders_a_cib():
    assert len(CIBS) >= 5  # the example's two, the lab's three


@pytest.mark.parametrize("name,cib", CIBS, ids=[n for n, _ in CIBS])
def test_no_option_or_element_pacemaker_3_removed(name, cib):
    names = set(cib.xpath("//nvpair/@name"))
    assert not names & (REMOVED_OPTIONS | REMOVED_META)
    assert not cib.xpath("//master | //lifetime | //rsc_defaults/instance_attributes")
    assert not cib.xpath("//primitive[@class='nagios' or @class='upstart']")
    assert not cib.xpath("//node[@type]")  # 'ping' and invalid types are gone
    assert not cib.xpath("//nvpair[@name='stonith-action' and @value='poweroff']")
    assert not cib.xpath("//rsc_location[count(rule) > 1]")  # one top-level rule at most
    assert not cib.xpath("//date_spec[@moon]")
    assert not cib.xpath("//nvpair[@id-ref and @name]")
    for attribute in REMOVED_CONSTRAINT:
        assert not cib.xpath(f"//constraints/*[@{attribute}]"), attribute


@pytest.mark.parametrize("name,cib", CIBS, ids=[n for n, _ in CIBS])
def test_the_declared_schema_is_one_both_releases_accept(name, cib):
    assert cib.get("validate-with") == crm_cib.VALIDATE_WITH
    assert crm_cib.VALIDATE_WITH in ACCEPTED_BY_BOTH
    # Pacemaker 3.0: scores must be valid or the constraint is ignored, not defaulted
    for score in cib.xpath("//constraints/*/@score | //rule/@score"):
        assert score in ("INFINITY", "-INFINITY", "+INFINITY") or score.lstrip("+-").isdigit()
