"""The unit tier's one fake runner (scripted commands, exact argv, in order) and a fake
clock (sleeping advances it; nothing really waits)."""

from collections import deque
from collections.abc import Mapping, Sequence

from nfvd_ha.adapters.runner import CommandRunner, Result, command_text
from nfvd_ha.clock import Clock
from nfvd_ha.errors import NfvdHaError


class Expected:
    __slots__ = ("argv", "stdout", "rc", "stderr", "env")

    def __init__(self, argv: list[str], stdout: str, rc: int, stderr: str,
                 env: Mapping[str, str] | None) -> None:
        self.argv, self.stdout, self.rc, self.stderr, self.env = argv, stdout, rc, stderr, env


class FakeRunner:
    """``expect(argv, stdout=..., rc=..., stderr=..., env=...)`` scripts the next command;
    ``run`` checks each call against the next one, exactly, and answers it as the real
    runner would (NfvdHaError on a failure with check=True)."""

    def __init__(self) -> None:
        self.expected: deque[Expected] = deque()
        self.calls: list[list[object]] = []

    def expect(self, argv: Sequence[str], stdout: str = "", rc: int = 0, stderr: str = "",
               env: Mapping[str, str] | None = None) -> "FakeRunner":
        self.expected.append(Expected(list(argv), stdout, rc, stderr, env))
        return self

    def run(self, argv: Sequence[object], *, timeout: float,
            env: Mapping[str, str] | None = None, check: bool = False) -> Result:
        assert timeout and timeout > 0, f"{argv}: every command needs a timeout"
        self.calls.append(list(argv))
        assert self.expected, f"unexpected command: {command_text(argv)}"
        want = self.expected.popleft()
        assert list(argv) == want.argv, f"expected {want.argv}, got {list(argv)}"
        if want.env is not None:
            assert env == want.env, f"{argv}: env {env} != {want.env}"
        if check and want.rc != 0:
            raise NfvdHaError(f"{command_text(argv)} exited {want.rc}: {want.stderr}")
        return Result([str(a) for a in argv], want.rc, want.stdout, want.stderr)

    def unused(self) -> list[list[str]]:
        return [e.argv for e in self.expected]


def _is_a_runner(fake: FakeRunner) -> CommandRunner:
    """mypy holds the fake to the adapters' runner Protocol (tests/helpers/fakes.py is in its
    files): a fake that drifts from the real Runner's signature fails the lint tier."""
    return fake


class FakeClock(Clock):
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:  # type: ignore[override]  # time.sleep takes more
        self.slept.append(seconds)
        self.now += seconds
