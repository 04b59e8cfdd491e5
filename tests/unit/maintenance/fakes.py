"""In-memory stand-ins for this node's cluster and NFVD services (unit tests only; the lab
tests drive the real Pacemaker and nfv-director.sh)."""

from nfvd_ha.errors import NfvdHaError
from nfvd_ocf.nfvd import LABELS


class FakeCluster:
    def __init__(self, present=True, active=("grp-vip", "grp-app"), leave_after=2):
        self._present, self.attrs, self.calls = present, {}, []
        self.active_ids, self.leave_after, self.polls = list(active), leave_after, 0
        self.elsewhere, self.peer_up = set(), True
        self.blockers = []

    def present(self):
        return self._present

    def node_name(self):
        return "node1"

    def takeover_problems(self):
        return list(self.blockers)

    def attributes(self):
        return dict(self.attrs)

    def set_attribute(self, name, value):
        self.calls.append(("set", name, value))
        self.attrs[name] = value

    def delete_attribute(self, name):
        self.calls.append(("delete", name))
        self.attrs.pop(name, None)

    def active(self):
        """The resources here leave once standby is on, after a few polls, for the peer."""
        if self.attrs.get("standby") == "on":
            self.polls += 1
            if self.polls > self.leave_after:
                self.elsewhere, self.active_ids = self.elsewhere | set(self.active_ids), []
        found = {rid: {"node1": "Started"} for rid in self.active_ids}
        found.update({rid: {"node2": "Started"} for rid in self.elsewhere if self.peer_up})
        return found


class FakeServices:
    def __init__(self, installed, running, fail_on=None):
        self.installed, self.up = list(installed), set(running)
        self.calls, self.fail_on = [], fail_on

    def rows(self):
        return [(LABELS[n], "Running" if n in self.up else "Not Running")
                for n in self.installed]

    def running(self, names, rows=None):
        states = dict(self.rows() if rows is None else rows)
        return [n for n in names if states.get(LABELS[n]) == "Running"]

    def act(self, name, action):
        if (name, action) == self.fail_on:
            self.fail_on = None
            raise NfvdHaError(f"{name} {action}: killed")
        self.calls.append((name, action))
        (self.up.add if action == "start" else self.up.discard)(name)
        return ""


class FakeHeartbeat:
    """A heartbeat v1 host (present=True) or none; hb_standby hands all to the peer."""

    def __init__(self, present=False, peer="active"):
        self._present, self.peer, self.held, self.calls = present, peer, "all", []

    def present(self):
        return self._present

    def holding(self):
        return self.held

    def takeover_problems(self):
        if self.held == "none" or self.peer == "active":
            return []
        return [f"node2 cannot take over: heartbeat says it is {self.peer}"]

    def standby(self):
        self.calls.append("hb_standby all")
        held, self.held = self.held, "none"
        return held != "none"

    def wait_released(self, timeout, progress):
        self.calls.append("wait")

    def stop_daemon(self):
        self.calls.append("stop heartbeat")

    def start_daemon(self, timeout, progress):
        self.calls.append("start heartbeat")


class FakePeers:
    """The GUI/SiteScope peer check: ``blockers`` are its answer; ``asked`` the roles."""

    def __init__(self, blockers=()):
        self.blockers, self.asked = list(blockers), []

    def problems(self, role):
        self.asked.append(role)
        return list(self.blockers)
