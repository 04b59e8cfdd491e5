"""The quorum device's timers, derived from the cluster's token (corosync-qdevice 3.0.x).

What the timers do (read from corosync-qdevice's and corosync's source, see
docs/design/failover-timing.md):

- ``quorum.device.timeout`` (T, default 10 s). corosync-qdevice sends qnetd a heartbeat every
  0.8 x T (never under 1 s: qnetd refuses a heartbeat interval below its
  ``heartbeat_interval_min``, 1 s by default) and casts its vote to votequorum every 0.5 x T;
  votequorum drops the device's vote when no poll came for T. corosync-qnetd disconnects a
  client that sent nothing for ``dpd_interval_coefficient`` (1.5) x its heartbeat interval,
  i.e. 1.2 x T.
- ``quorum.device.sync_timeout`` (default 30 s): after a membership change votequorum waits
  for the device's poll on the new ring for at most this long.

A VM that crashes, hangs or is cut off sends nothing more: no FIN, so qnetd learns of the
loss only when that client's dead-peer timer fires, up to 1.2 x T after its last heartbeat;
ffsplit gives the survivor the vote only then. With the defaults that is up to 12 s. So T is
derived from the token: qnetd calls a silent client dead at about the time corosync calls a
silent node dead (1.2 x T >= token + consensus, rounded up to 250 ms), never below the 1250 ms
whose heartbeat qnetd's defaults accept (nothing to change on the qnetd host), never above
corosync's own default; sync_timeout is 2 x T, so votequorum never gives up on the device
before qnetd could have decided. A live client is then dropped only when its heartbeat is
0.4 x T late (500 ms at T = 1250: corosync's own token is as strict), and a client dropped
while its peer is present costs nothing: two of three votes keep the quorum.

The heuristics (the VIP holder wins a 50:50 split) run with qdevice's default timeouts
(half a heartbeat interval, half a sync heartbeat interval), raised to qdevice's minimum of
1 s for a check that a loaded host starts in Python.
"""

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .checker import Checker

HEARTBEAT_SHARE = 0.8        # qdevice-net: heartbeat interval = 0.8 x quorum.device.timeout
HEURISTICS_SHARE = 0.5       # qdevice: heuristics timeout = 0.5 x the (sync) heartbeat interval
HEURISTICS_MIN_TIMEOUT = 1000  # ms, qdevice's heuristics_min_timeout
DPD_COEFFICIENT = 1.5        # corosync-qnetd's default dpd_interval_coefficient
QNETD_HEARTBEAT_MIN = 1000   # ms, corosync-qnetd's default heartbeat_interval_min
MIN_TIMEOUT = math.ceil(QNETD_HEARTBEAT_MIN / HEARTBEAT_SHARE)  # 1250 ms
DEFAULT_TIMEOUT, DEFAULT_SYNC_TIMEOUT = 10000, 30000  # corosync's own defaults (ms)
MAX_TIMEOUT, MAX_SYNC_TIMEOUT = 120000, 300000
CONSENSUS_SHARE = 1.2  # corosync.conf: consensus = 1.2 x token (nfvd_ha/renderers/corosync.py)
STEP = 250                   # ms
#: a silent crash may cost this many tokens of qnetd detection before validate explains it
CRASH_TOKENS_EXPLAINED = 6


def membership_loss(token: int) -> int:
    """ms corosync takes to call a silent node dead: the token, then consensus."""
    return int(token * (1 + CONSENSUS_SHARE))


def crash_detection(timeout: int) -> int:
    """ms after its last heartbeat until qnetd drops a client that went silent."""
    return int(timeout * HEARTBEAT_SHARE * DPD_COEFFICIENT)


def derived_timeout(token: int) -> int:
    """quorum.device.timeout for a cluster whose corosync token is ``token`` ms."""
    wanted = membership_loss(token) / (HEARTBEAT_SHARE * DPD_COEFFICIENT)
    return min(max(STEP * math.ceil(wanted / STEP), MIN_TIMEOUT), DEFAULT_TIMEOUT)


def heuristics_timeouts(timeout: int, sync_timeout: int) -> tuple[int, int]:
    """(heuristics.timeout, heuristics.sync_timeout) for the device's timers."""
    def share(t: int) -> int:
        return max(HEURISTICS_MIN_TIMEOUT, int(HEURISTICS_SHARE * HEARTBEAT_SHARE * t))
    return share(timeout), share(sync_timeout)


def derived_sync_timeout(timeout: int) -> int:
    return min(2 * timeout, MAX_SYNC_TIMEOUT)


def timers(token: int, timeout: int | None = None,
           sync_timeout: int | None = None) -> tuple[int, int]:
    """(quorum.device.timeout, quorum.device.sync_timeout): the overrides, else derived."""
    timeout = derived_timeout(token) if timeout is None else timeout
    return timeout, derived_sync_timeout(timeout) if sync_timeout is None else sync_timeout


def judge(check: "Checker", where: str, token: int, timeout: int | None,
          sync_timeout: int | None) -> None:
    """Explain (a warning) an override that makes a silent crash cost more than
    CRASH_TOKENS_EXPLAINED tokens, refuse one votequorum or qnetd cannot work with."""
    timeout, sync_timeout = timers(token, timeout, sync_timeout)
    if sync_timeout < timeout:
        check.error(f"{where}.sync_timeout", f"{sync_timeout} ms is shorter than the device "
                    f"timeout ({timeout} ms): after a membership change votequorum would give "
                    "up on the quorum device before qnetd could have decided")
    detection, derived = crash_detection(timeout), derived_timeout(token)
    if token and detection > CRASH_TOKENS_EXPLAINED * token:
        check.note(f"{where}.timeout = {timeout} ms: a node that crashes, hangs or is cut off "
                   f"sends nothing more, and qnetd drops it only {detection / 1000:g} s after "
                   f"its last heartbeat ({detection / token:.1f} x the token of {token} ms): "
                   f"that long a failover waits. Derived from the token it would be {derived} ms "
                   f"({crash_detection(derived) / 1000:g} s); remove the override unless qnetd "
                   "is far away or slow")
