"""haproxy.cfg's global section as the guide's (2.8.4): chroot, user and group, from
``[loadbalancer] process``; bad values refused by file, line and key."""

import pytest

from nfvd_ha.definition import load_text
from nfvd_ha.renderers.haproxy import render_haproxy_cfg

from helpers.definitions import LB_ONE_SERVICE, problems

LB = LB_ONE_SERVICE


def global_section(text):
    cfg = render_haproxy_cfg(load_text(text).loadbalancer, "pw")
    return cfg.split("\nglobal\n", 1)[1].split("\n\n", 1)[0].split("\n")


def test_the_guides_chroot_user_and_group_by_default():
    lines = [line.strip() for line in global_section(LB)]
    assert {"chroot /var/lib/haproxy", "user haproxy", "group haproxy"} <= set(lines)
    # the stats socket and the pid file are made as root before the chroot: outside it
    assert "pidfile /run/haproxy.pid" in lines
    assert "stats socket /run/haproxy-nfvd.sock mode 600 level admin" in lines


def test_process_keys_change_them():
    text = LB.replace("[loadbalancer]\n", '[loadbalancer]\nprocess = { user = "lb", group = '
                      '"lb_grp", chroot = "/srv/haproxy-jail" }\n')
    lines = [line.strip() for line in global_section(text)]
    assert {"chroot /srv/haproxy-jail", "user lb", "group lb_grp"} <= set(lines)


@pytest.mark.parametrize("process,message", [
    ('process = { user = "root; rm" }', "process.user: 'root; rm' is not a valid user or group "
     "name"),
    ('process = { group = "Wheel" }', "process.group: 'Wheel' is not a valid user or group name"),
    ('process = { chroot = "var/lib/haproxy" }', "process.chroot: 'var/lib/haproxy' is not a "
     "valid absolute path"),
    ('process = { chroot = "/" }', "process.chroot: '/' is not a valid absolute path"),
    ('process = { jail = "/x" }', "process.jail: unknown key 'jail'"),
])
def test_bad_process_keys_are_refused_by_line_and_key(process, message):
    found = problems(LB.replace("[loadbalancer]\n", f"[loadbalancer]\n{process}\n"))
    assert any(p.startswith("def.toml:2: loadbalancer.") and message in p for p in found), found
