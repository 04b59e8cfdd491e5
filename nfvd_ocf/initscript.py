"""Driving an NFVD init script: run an action, bounded, and poll its status text.

NFVD's scripts tell running from stopped by the *text* they print (as heartbeat v1 did),
not by their exit code; the agents parse that text. A script the kernel cannot execute
(missing, no or a wrong interpreter, not a regular file) is "not installed" here.
"""

from . import owned, proc
from .errors import Failed, InvalidConfig, NotInstalled

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from .params import Context


def require(path: str, what: str) -> None:
    if not path.startswith("/"):
        raise InvalidConfig(f"{what} '{path}' must be an absolute path")
    problem = proc.exec_problem(path)
    if problem:
        raise NotInstalled(f"{what} {path} cannot be executed: it {problem}")


def call(ctx: "Context", argv: list[str], limit: float | None = None) -> proc.Result:
    """Run an init-script action within the time left (or ``limit``); return its output."""
    timeout = ctx.remaining() if limit is None else min(limit, ctx.remaining())
    try:
        result = proc.run(argv, max(timeout, 0.5))
    except OSError as exc:
        raise NotInstalled(f"{argv[0]} cannot be executed: {exc.strerror or exc}") from None
    if result.timed_out:
        raise Failed(f"'{' '.join(argv)}' did not finish within {timeout:.0f}s")
    return result


def converge(ctx: "Context", state: "Callable[[], object]", want: object,
             limit: float | None = None, interval: float = 0.1) -> bool:
    """Poll ``state()`` until it returns ``want``, for at most ``limit`` or the time left."""
    timeout = ctx.remaining() if limit is None else min(limit, ctx.remaining())
    return proc.wait_until(lambda: state() == want, timeout, interval)


def status_rows(text: str) -> list[tuple[str, str]]:
    """(label, state) pairs of an nfv-director.sh table: "UCA-EBC   : [Running]"."""
    rows = []
    for line in text.splitlines():
        label, colon, state = line.rpartition(":")
        state = state.strip()
        if colon and label.strip() and len(state) > 2 and state[0] == "[" and state[-1] == "]":
            rows.append((label.strip(), state[1:-1].strip()))
    return rows


def our_processes(pid_files: "Iterable[str]", patterns: "Sequence[str]") -> list[owned.Proc]:
    """What the resource runs, proven: the live processes its pid files name, and those
    whose command line contains one of ``patterns`` (pid files alone prove nothing: each
    pid must run what the patterns describe)."""
    found: dict[int, owned.Proc] = {}
    for path in pid_files:
        named = owned.process_from_pidfile(path, patterns)
        if named is not None:
            found[named.pid] = named
    for matched in owned.matching(patterns):
        found.setdefault(matched.pid, matched)
    return [found[pid] for pid in sorted(found)]
