"""In-memory stand-ins for this node's cluster and NFVD services (unit tests only; the lab
tests drive the real Pacemaker and nfv-director.sh)."""

from collections.abc import Callable, Iterable

from nfvd_ha.commands.maintenance.reconcile import HeartbeatNode, NfvdServices, PacemakerNode
from nfvd_ha.errors import NfvdHaError
from nfvd_ocf.nfvd import LABELS


class FakeCluster:
    def __init__(self, present: bool = True, active: Iterable[str] = ("grp-vip", "grp-app"),
                 leave_after: int = 2) -> None:
        self._present, self.polls, self.leave_after = present, 0, leave_after
        self.attrs: dict[str, str] = {}
        self.calls: list[tuple[str, ...]] = []
        self.active_ids = list(active)
        self.elsewhere: set[str] = set()
        self.peer_up = True
        self.blockers: list[str] = []

    def present(self) -> bool:
        return self._present

    def node_name(self) -> str:
        return "node1"

    def takeover_problems(self) -> list[str]:
        return list(self.blockers)

    def attributes(self) -> dict[str, str]:
        return dict(self.attrs)

    def set_attribute(self, name: str, value: str) -> None:
        self.calls.append(("set", name, value))
        self.attrs[name] = value

    def delete_attribute(self, name: str) -> None:
        self.calls.append(("delete", name))
        self.attrs.pop(name, None)

    def active(self) -> dict[str, dict[str, str]]:
        """The resources here leave once standby is on, after a few polls, for the peer."""
        if self.attrs.get("standby") == "on":
            self.polls += 1
            if self.polls > self.leave_after:
                self.elsewhere, self.active_ids = self.elsewhere | set(self.active_ids), []
        found = {rid: {"node1": "Started"} for rid in self.active_ids}
        found.update({rid: {"node2": "Started"} for rid in self.elsewhere if self.peer_up})
        return found


class FakeServices:
    def __init__(self, installed: Iterable[str], running: Iterable[str],
                 fail_on: tuple[str, str] | None = None) -> None:
        self.installed, self.up = list(installed), set(running)
        self.calls: list[tuple[str, str]] = []
        self.fail_on = fail_on

    def rows(self) -> list[tuple[str, str]]:
        return [(LABELS[n], "Running" if n in self.up else "Not Running")
                for n in self.installed]

    def running(self, names: Iterable[str],
                rows: Iterable[tuple[str, str]] | None = None) -> list[str]:
        states = dict(self.rows() if rows is None else rows)
        return [n for n in names if states.get(LABELS[n]) == "Running"]

    def act(self, name: str, action: str) -> str:
        if (name, action) == self.fail_on:
            self.fail_on = None
            raise NfvdHaError(f"{name} {action}: killed")
        self.calls.append((name, action))
        (self.up.add if action == "start" else self.up.discard)(name)
        return ""


class FakeHeartbeat:
    """A heartbeat v1 host (present=True) or none; hb_standby hands all to the peer."""

    def __init__(self, present: bool = False, peer: str = "active") -> None:
        self._present, self.peer, self.held = present, peer, "all"
        self.calls: list[str] = []

    def present(self) -> bool:
        return self._present

    def holding(self) -> str:
        return self.held

    def takeover_problems(self) -> list[str]:
        if self.held == "none" or self.peer == "active":
            return []
        return [f"node2 cannot take over: heartbeat says it is {self.peer}"]

    def standby(self) -> bool:
        self.calls.append("hb_standby all")
        held, self.held = self.held, "none"
        return held != "none"

    def wait_released(self, timeout: float, progress: Callable[[str], object]) -> None:
        self.calls.append("wait")

    def stop_daemon(self) -> None:
        self.calls.append("stop heartbeat")

    def start_daemon(self, timeout: float, progress: Callable[[str], object]) -> None:
        self.calls.append("start heartbeat")


class FakePeers:
    """The GUI/SiteScope peer check: ``blockers`` are its answer; ``asked`` the roles."""

    def __init__(self, blockers: Iterable[str] = ()) -> None:
        self.blockers = list(blockers)
        self.asked: list[str] = []

    def problems(self, role: str) -> list[str]:
        self.asked.append(role)
        return list(self.blockers)


def _are_what_the_reconcile_takes(cluster: FakeCluster, services: FakeServices,
                                  heartbeat: FakeHeartbeat
                                  ) -> tuple[PacemakerNode, NfvdServices, HeartbeatNode]:
    """mypy holds these fakes to the reconcile's Protocols (this file is in its files), as
    the real adapters are: a fake that drifts from them fails the lint tier."""
    return cluster, services, heartbeat
