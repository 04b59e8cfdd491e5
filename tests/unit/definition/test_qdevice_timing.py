"""The quorum device's timers: derived from the token so that a VM that crashes silently
costs a failover of a few tokens, not qnetd's 12 s default; overrides bounded and explained."""

import pytest

from nfvd_ha.renderers.corosync import render_corosync_conf
from nfvd_ha.definition import load_text
from nfvd_ha.definition import qdevice_timing as timing

from helpers.definitions import problems

CLUSTER = """\
[[cluster]]
name = "c"
nodes = [ {{ name = "n1", address = "10.0.0.1" }}, {{ name = "n2", address = "10.0.0.2" }} ]
timing = {{ keepalive = "{keepalive}", deadtime = "{deadtime}" }}
quorum_device = {{ host = "10.0.0.9"{extra} }}
fencing_disabled = "a unit test without power control"

  [[cluster.resource]]
  id = "vip"
  type = "vip"
  params = {{ ip = "10.0.0.100", cidr_netmask = 24 }}
"""


def cluster(deadtime="500ms", keepalive="200ms", extra=""):
    return CLUSTER.format(deadtime=deadtime, keepalive=keepalive, extra=extra)


def device_block(text):
    conf = render_corosync_conf(load_text(text).clusters[0])
    block = conf.split("    device {")[1].split("        net {")[0]
    return dict(line.strip().split(": ") for line in block.strip().splitlines())


@pytest.mark.parametrize("token, timeout", [(200, 1250), (500, 1250), (1000, 2000),
                                            (3000, 5500), (10000, 10000)])
def test_the_device_timeout_is_derived_from_the_token(token, timeout):
    assert timing.derived_timeout(token) == timeout
    detection, loss = timing.crash_detection(timeout), timing.membership_loss(token)
    # qnetd calls a silent client dead about when corosync calls the node dead: not sooner
    # (a live client must be as late as corosync's token allows) ...
    assert detection >= loss or timeout == timing.DEFAULT_TIMEOUT
    # ... and not much later (a 250 ms step), unless qnetd's minimum forbids it
    assert detection - loss <= 1.2 * timing.STEP or timeout == timing.MIN_TIMEOUT
    # within what qnetd accepts by default (a heartbeat of 1 s at least), never slower than
    # corosync's own default
    assert timing.MIN_TIMEOUT <= timeout <= timing.DEFAULT_TIMEOUT
    assert timeout * timing.HEARTBEAT_SHARE >= timing.QNETD_HEARTBEAT_MIN


def test_the_example_token_renders_a_device_seen_dead_within_three_tokens():
    device = device_block(cluster())
    assert device["timeout"] == "1250" and device["sync_timeout"] == "2500"
    assert timing.crash_detection(1250) == 1500  # 3 x the 500 ms token, not 12 s
    conf = render_corosync_conf(load_text(cluster()).clusters[0])
    # the VIP check gets qdevice's minimum of 1 s, not half of a 1 s heartbeat
    assert "            timeout: 1000\n            sync_timeout: 1000\n" in conf


def test_overrides_are_rendered_and_a_slow_one_is_explained():
    text = cluster(extra=', timeout = "10s", sync_timeout = "30s"')
    assert device_block(text) == {"model": "net", "votes": "1", "timeout": "10000",
                                  "sync_timeout": "30000"}
    [note] = [w for w in load_text(text).warnings() if "quorum_device.timeout" in w]
    assert "12 s after its last heartbeat" in note and "24.0 x the token" in note
    assert "1250 ms" in note  # what the derived value would be


def test_the_derived_timers_need_no_explanation():
    assert not [w for w in load_text(cluster()).warnings() if "quorum_device" in w]


@pytest.mark.parametrize("extra, where, said", [
    (', timeout = "1s"', "quorum_device.timeout", "out of range 1250-120000 ms"),
    (', timeout = "3min"', "quorum_device.timeout", "out of range"),
    (', sync_timeout = "2s", timeout = "3s"', "quorum_device.sync_timeout",
     "votequorum would give up on the quorum device"),
    (', timeout = "fast"', "quorum_device.timeout", "is not a duration"),
])
def test_timers_qnetd_or_votequorum_cannot_work_with_are_refused(extra, where, said):
    found = problems(cluster(extra=extra))
    assert len(found) == 1 and where in found[0] and said in found[0], found
