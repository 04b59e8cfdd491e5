"""Driving an NFVD init script: run an action, bounded, and poll its status text.

NFVD's scripts tell running from stopped by the *text* they print (as heartbeat v1 did),
not by their exit code; the agents parse that text.
"""

from . import proc
from .errors import Failed, NotInstalled


def require(path, what):
    if not proc.is_executable(path):
        raise NotInstalled(f"{what} {path} is missing or not executable")


def call(ctx, argv, limit=None):
    """Run an init-script action within the time left (or ``limit``); return its output."""
    timeout = ctx.remaining() if limit is None else min(limit, ctx.remaining())
    result = proc.run(argv, max(timeout, 0.5))
    if result.timed_out:
        raise Failed(f"'{' '.join(argv)}' did not finish within {timeout:.0f}s")
    return result


def converge(ctx, state, want, limit=None, interval=0.1):
    """Poll ``state()`` until it returns ``want``, for at most ``limit`` or the time left."""
    timeout = ctx.remaining() if limit is None else min(limit, ctx.remaining())
    return proc.wait_until(lambda: state() == want, timeout, interval)


def status_rows(text):
    """(label, state) pairs of an nfv-director.sh table: "UCA-EBC   : [Running]"."""
    rows = []
    for line in text.splitlines():
        label, colon, state = line.rpartition(":")
        state = state.strip()
        if colon and label.strip() and len(state) > 2 and state[0] == "[" and state[-1] == "]":
            rows.append((label.strip(), state[1:-1].strip()))
    return rows
