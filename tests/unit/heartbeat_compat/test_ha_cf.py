"""ha.cf's log file (guide 2.6.1.1: ``logfile /var/log/heartbeat.log``): the guide's by
default, another from the definition, a bad one refused by file, line and key."""

from heartbeat_compat.render import render_ha_cf
from nfvd_ha.definition import load_text

from helpers.definitions import problems

BASE = """\
[[cluster]]
name = "hb"
nodes = [ { name = "n1", address = "10.0.0.1" }, { name = "n2", address = "10.0.0.2" } ]
fencing_disabled = "unit tests of ha.cf: no fencing here"
"""


def _logfile_lines(text):
    return [line for line in render_ha_cf(load_text(text).clusters[0]).splitlines()
            if line.startswith("logfile")]


def test_the_guides_log_file_by_default():
    assert _logfile_lines(BASE) == ["logfile /var/log/heartbeat.log"]


def test_the_log_file_is_configurable():
    assert _logfile_lines(BASE + 'logfile = "/var/log/ha-log"\n') == ["logfile /var/log/ha-log"]


def test_a_log_file_that_is_not_an_absolute_path_is_refused_by_line_and_key():
    found = problems(BASE + 'logfile = "heartbeat.log"\n')
    assert found == ["def.toml:5: cluster[0].logfile: 'heartbeat.log' is not a valid absolute "
                     "path"]
    found = problems(BASE + 'logfile = "/var/log/a b.log"\n')
    assert found == ["def.toml:5: cluster[0].logfile: '/var/log/a b.log' is not a valid "
                     "absolute path"]


def test_import_heartbeat_keeps_the_hosts_log_file():
    from heartbeat_compat.importer import import_heartbeat
    ha_cf = ("logfile /var/log/ha-log\nkeepalive 2\ndeadtime 30\nucast eth0 10.0.0.1\n"
             "ucast eth0 10.0.0.2\nnode n1\nnode n2\n")
    text = import_heartbeat({"ha.cf": ha_cf, "haresources": "n1 10.0.0.100 activator-ep\n"},
                            "/etc/ha.d", "hb")
    assert load_text(text).clusters[0].logfile == "/var/log/ha-log"
