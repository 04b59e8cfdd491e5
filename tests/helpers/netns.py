"""Two lab hosts in network namespaces joined by a veth pair (no route anywhere else)."""

import itertools
import os
import subprocess

_counter = itertools.count()


def sh(*argv, check=True):
    return subprocess.run(argv, check=check, capture_output=True, text=True)


class VethPair:
    def __init__(self, subnet="192.168.77"):
        n = f"{os.getpid() % 10000}{next(_counter)}"
        self.a, self.b = f"nfa{n}", f"nfb{n}"
        self.nic_a, self.nic_b = "lan0", "lan0"
        self.subnet = subnet
        for ns in (self.a, self.b):
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        sh("ip", "link", "add", "tmpva" + n, "netns", self.a, "type", "veth", "peer", "name",
           "tmpvb" + n, "netns", self.b)
        sh("ip", "-n", self.a, "link", "set", "tmpva" + n, "name", self.nic_a)
        sh("ip", "-n", self.b, "link", "set", "tmpvb" + n, "name", self.nic_b)
        sh("ip", "netns", "exec", self.b, "sysctl", "-qw", "net.ipv4.conf.all.arp_accept=1")
        for ns, nic, host in ((self.a, self.nic_a, 1), (self.b, self.nic_b, 2)):
            sh("ip", "-n", ns, "link", "set", nic, "up")
            sh("ip", "-n", ns, "addr", "add", f"{subnet}.{host}/24", "dev", nic)
            sh("ip", "-n", ns, "addr", "add", f"fd00:77::{host}/64", "dev", nic, "nodad")

    def exec_prefix(self, ns=None):
        return ("ip", "netns", "exec", ns or self.a)

    def addrs(self, ns=None):
        return sh("ip", "-n", ns or self.a, "-o", "addr").stdout

    def mac(self, ns=None):
        out = sh("ip", "-n", ns or self.a, "-o", "link", "show", self.nic_a).stdout
        return out.split("link/ether ")[1].split()[0]

    def neigh(self, ns=None):
        return sh("ip", "-n", ns or self.b, "neigh").stdout

    def close(self):
        for ns in (self.a, self.b):
            sh("ip", "netns", "del", ns, check=False)
