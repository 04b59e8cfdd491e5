"""plan/apply's pure parts: which resources a plan touches, and what crm_mon says of them."""

from lxml import etree

from nfvd_ha.commands.plan import not_running, touched


def cib(resources):
    return etree.fromstring(f"<cib><configuration><resources>{resources}</resources>"
                            "</configuration></cib>")


def test_touched_are_the_added_and_changed_top_level_resources_not_the_stopped_ones():
    live = cib('<primitive id="a" type="x"/><group id="g"><primitive id="b" type="x"/></group>')
    rendered = cib('<primitive id="a" type="x"/><group id="g"><primitive id="b" type="y"/>'
                   '</group><primitive id="c" type="x"/><primitive id="d" type="x">'
                   '<meta_attributes id="m"><nvpair id="n" name="target-role" value="Stopped"/>'
                   '</meta_attributes></primitive>')
    assert touched(live, rendered) == ["g", "c"]


STATUS = etree.fromstring("""<crm_mon><resources>
  <group id="g"><resource id="b" role="Started" active="true" failed="false">
    <node name="n1"/></resource></group>
  <clone id="k"><resource id="h" role="Started" active="true" failed="false"><node name="n1"/>
    </resource><resource id="h" role="Started" active="true" failed="true"><node name="n2"/>
    </resource></clone>
  <resource id="s" role="Stopped" active="false" failed="false"/>
</resources></crm_mon>""")


def test_not_running_names_each_failed_or_stopped_part():
    assert not_running(STATUS, ["g"]) == []
    assert not_running(STATUS, ["k", "s", "ghost"]) == [
        "k (h on n2: failed)", "s (s: stopped)", "ghost (not in crm_mon)"]


def test_layout_alone_is_no_change():
    live = cib('<primitive id="a" type="x">\n    <operations/>\n  </primitive>')
    rendered = cib('<primitive id="a" type="x"><operations/></primitive>')
    assert touched(live, rendered) == []
