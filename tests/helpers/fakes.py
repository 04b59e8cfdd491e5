"""The unit tier's one fake runner (scripted commands, exact argv, in order) and a fake
clock (sleeping advances it; nothing really waits)."""

from collections import deque

from nfvd_ha.clock import Clock
from nfvd_ha.errors import NfvdHaError
from nfvd_ha.adapters.runner import Result, command_text


class Expected:
    __slots__ = ("argv", "stdout", "rc", "stderr", "env")

    def __init__(self, argv, stdout, rc, stderr, env):
        self.argv, self.stdout, self.rc, self.stderr, self.env = argv, stdout, rc, stderr, env


class FakeRunner:
    """``expect(argv, stdout=..., rc=..., stderr=..., env=...)`` scripts the next command;
    ``run`` checks each call against the next one, exactly, and answers it as the real
    runner would (NfvdHaError on a failure with check=True)."""

    def __init__(self):
        self.expected, self.calls = deque(), []

    def expect(self, argv, stdout="", rc=0, stderr="", env=None):
        self.expected.append(Expected(list(argv), stdout, rc, stderr, env))
        return self

    def run(self, argv, *, timeout, env=None, check=False):
        assert timeout and timeout > 0, f"{argv}: every command needs a timeout"
        self.calls.append(list(argv))
        assert self.expected, f"unexpected command: {command_text(argv)}"
        want = self.expected.popleft()
        assert list(argv) == want.argv, f"expected {want.argv}, got {list(argv)}"
        if want.env is not None:
            assert env == want.env, f"{argv}: env {env} != {want.env}"
        if check and want.rc != 0:
            raise NfvdHaError(f"{command_text(argv)} exited {want.rc}: {want.stderr}")
        return Result(list(argv), want.rc, want.stdout, want.stderr)

    def unused(self):
        return [e.argv for e in self.expected]


class FakeClock(Clock):
    def __init__(self):
        self.now, self.slept = 1000.0, []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds
