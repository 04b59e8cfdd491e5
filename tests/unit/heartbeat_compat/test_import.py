"""import-heartbeat: real-world style files in, a definition out; round trips keep meaning."""

from pathlib import Path

import pytest

from heartbeat_compat.importer import import_heartbeat
from heartbeat_compat.render import render_ha_cf, render_haresources
from nfvd_ha.definition import load_text
from nfvd_ha.errors import NfvdHaError

GUIDE_HA_CF = """\
# /etc/ha.d/ha.cf as in the NFVD guide (2.6.1.1)
logfile /var/log/heartbeat.log
logfacility local0
keepalive 2
deadtime 30
initdead 120
ucast eth0 10.0.0.11
ucast eth0 10.0.0.12
udpport 694
auto failback off
node ff-node1
node ff-node2
"""


def imported(directory, name=None, addresses=None):
    texts = {n: Path(f"{directory}/{n}").read_text() for n in ("ha.cf", "haresources")}
    return import_heartbeat(texts, directory, name, addresses)


def write(tmp_path, ha_cf, haresources):
    (tmp_path / "ha.cf").write_text(ha_cf)
    (tmp_path / "haresources").write_text(haresources)
    return str(tmp_path)


def meaning_ha_cf(text):
    """Directives that carry meaning, times in ms (warntime: heartbeat derives one)."""
    out = []
    for line in text.splitlines():
        words = line.split("#")[0].split()
        if not words or words[0] == "warntime":
            continue
        if words[:2] == ["auto", "failback"]:
            words = ["auto_failback"] + words[2:]
        if words[0] in ("keepalive", "deadtime", "initdead"):
            v = words[1]
            words[1] = str(int(v[:-2]) if v.endswith("ms") else int(v) * 1000)
        out.append(tuple(words))
    return sorted(out)


def meaning_haresources(text):
    joined = text.replace("\\\n", " ")
    return [line.split("#")[0].split() for line in joined.splitlines()
            if line.split("#")[0].strip()]


@pytest.mark.parametrize("haresources,expected", [
    ("ff-node1 IPaddr::10.0.0.100/24/eth0:0 activator-ep\n",
     [["ff-node1", "IPaddr::10.0.0.100/24/eth0:0", "activator-ep"]]),
    ("# comment\nff-node1 10.0.0.100 \\\n   activator-ep   # trailing\n",
     [["ff-node1", "IPaddr::10.0.0.100", "activator-ep"]]),
    ("ff-node1 IPaddr::10.0.0.101/24/eth0 Filesystem::nfs1:/var/opt/UCA-EBC::/var/opt/UCA-EBC"
     "::nfs nfvd\n",
     [["ff-node1", "IPaddr::10.0.0.101/24/eth0",
       "Filesystem::nfs1:/var/opt/UCA-EBC::/var/opt/UCA-EBC::nfs", "nfvd"]]),
    ("ff-node1 IPaddr::10.0.0.100/24 httpd\nff-node2 10.0.0.200 Filesystem::/dev/sdb1::/data"
     "::ext4::noatime\n",
     [["ff-node1", "IPaddr::10.0.0.100/24", "httpd"],
      ["ff-node2", "IPaddr::10.0.0.200", "Filesystem::/dev/sdb1::/data::ext4::noatime"]]),
])
def test_round_trip_keeps_meaning(tmp_path, haresources, expected):
    directory = write(tmp_path, GUIDE_HA_CF, haresources)
    definition = load_text(imported(directory, name="ff"))
    cluster = definition.clusters[0]
    assert meaning_ha_cf(render_ha_cf(cluster)) == meaning_ha_cf(
        GUIDE_HA_CF.replace("auto failback off", "auto_failback off"))
    assert meaning_haresources(render_haresources(cluster)) == expected


def test_import_never_copies_the_key(tmp_path):
    directory = write(tmp_path, GUIDE_HA_CF, "ff-node1 10.0.0.100 activator-ep\n")
    (tmp_path / "authkeys").write_text("auth 2\n2 sha1 s3cr3tkey\n")
    text = imported(directory)
    assert "s3cr3tkey" not in text and "authkeys (not copied)" in text


def test_addresses_needed_when_ucast_lines_do_not_say(tmp_path):
    directory = write(tmp_path, GUIDE_HA_CF.replace("ucast eth0 10.0.0.12\n", ""),
                      "ff-node1 10.0.0.100\n")
    with pytest.raises(NfvdHaError) as err:
        imported(directory)
    assert "no address known for node(s) ff-node1, ff-node2" in str(err.value)
    text = imported(directory, addresses={"ff-node1": "10.0.0.11",
                                                  "ff-node2": "10.0.0.12"})
    assert load_text(text).clusters[0].nodes[1].address == "10.0.0.12"


def test_bad_time_names_file_and_line(tmp_path):
    directory = write(tmp_path, GUIDE_HA_CF.replace("deadtime 30", "deadtime thirty"),
                      "ff-node1 10.0.0.100\n")
    with pytest.raises(NfvdHaError) as err:
        imported(directory)
    assert f"{tmp_path}/ha.cf:5: deadtime 'thirty' is not a time" in str(err.value)


def test_an_imported_pair_is_marked_unfenced_so_every_render_warns(tmp_path):
    directory = write(tmp_path, GUIDE_HA_CF, "ff-node1 10.0.0.100 activator-ep\n")
    definition = load_text(imported(directory))
    assert definition.clusters[0].fencing_disabled.startswith("imported from heartbeat v1")
    assert any("runs without fencing" in w for w in definition.warnings())


def test_activator_ep_is_imported_onto_nfvd_s_own_script_not_heartbeat_s_copy(tmp_path):
    """heartbeat ran /etc/init.d/activator-ep; `nfvd-ha compat install` replaces that with the
    guarded shim (start refused), so the imported resource must run NFVD's own script."""
    from nfvd_ocf.nfvd import ACTIVATOR_EP
    directory = write(tmp_path, GUIDE_HA_CF, "ff-node1 10.0.0.100 activator-ep\n")
    text = imported(directory)
    assert "/etc/init.d/activator-ep" not in text
    sosa = next(r for r in load_text(text).clusters[0].resources if r.type == "activator-ep")
    assert sosa.param("init_script") in (None, ACTIVATOR_EP)
