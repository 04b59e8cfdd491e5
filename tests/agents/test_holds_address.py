"""The quorum device's vip heuristic (lib/nfvd/holds-address, installed by `nfvd-ha agents
install`) in a network namespace where binding any address succeeds (ip_nonlocal_bind, as on
load balancer hosts): it says "held" only for a unicast address assigned to a local
interface that is up - bind() alone said held for anything, so both nodes passed the "the
VIP holder wins a partition" rule."""

import os
import subprocess

import pytest

from helpers.netns import sh

pytestmark = pytest.mark.root


@pytest.fixture(scope="module")
def ns():
    name = f"nfh{os.getpid() % 100000}"
    sh("ip", "netns", "add", name)
    try:
        for command in (["link", "set", "lo", "up"],  # (no dummy module here: veth pairs)
                        ["link", "add", "up0", "type", "veth", "peer", "name", "up1"],
                        ["link", "set", "up0", "up"], ["link", "set", "up1", "up"],
                        ["addr", "add", "10.9.0.1/24", "dev", "up0"],
                        ["addr", "add", "fd09::1/64", "dev", "up0", "nodad"],
                        ["link", "add", "down0", "type", "veth", "peer", "name", "down1"],
                        ["addr", "add", "10.9.1.1/24", "dev", "down0"],
                        ["addr", "add", "fd09:1::1/64", "dev", "down0", "nodad"]):
            sh("ip", "-n", name, *command)
        for key in ("net.ipv4.ip_nonlocal_bind", "net.ipv6.ip_nonlocal_bind"):
            sh("ip", "netns", "exec", name, "sysctl", "-qw", f"{key}=1")
        yield name
    finally:
        sh("ip", "netns", "del", name, check=False)


@pytest.fixture(scope="module")
def heuristic(agent_dir):
    return os.path.join(os.path.dirname(os.path.dirname(agent_dir)), "lib", "nfvd",
                        "holds-address")


def holds(ns, heuristic, *addresses):
    done = subprocess.run(["ip", "netns", "exec", ns, heuristic, *addresses],
                          capture_output=True, text=True, timeout=10)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode


@pytest.mark.parametrize("address", ["10.9.0.1", "fd09::1", "fd09:0:0::1"])
def test_an_address_on_an_interface_that_is_up_is_held(ns, heuristic, address):
    assert holds(ns, heuristic, address) == 0


@pytest.mark.parametrize("address", [
    "10.9.0.77", "192.0.2.5", "fd09::77",          # assigned nowhere (bind() still works)
    "10.9.1.1", "fd09:1::1",                      # on a link that is down
    "0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255", "169.254.1.1",
    "::", "::1", "ff02::1", "fe80::1",            # not a unicast VIP
    "not-an-address", "", "10.9.0.1/24"])
def test_anything_else_is_not(ns, heuristic, address):
    assert holds(ns, heuristic, address) == 1


def test_one_held_address_of_several_is_enough(ns, heuristic):
    assert holds(ns, heuristic, "10.9.0.77", "10.9.0.1") == 0
    assert holds(ns, heuristic, "10.9.0.77", "0.0.0.0") == 1
    assert holds(ns, heuristic) == 1
