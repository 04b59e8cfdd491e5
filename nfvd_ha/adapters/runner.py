"""The one seam for external commands: argv lists, no shell, a whitelisted environment,
LC_ALL=C, a timeout on every call, output capped, and every failure to run a command turned
into the project's error naming it (never a traceback).

Unit tests pass the queue-style fake of tests/unit/conftest.py, which checks exact argv.
"""

import contextlib
import os
import re
import signal
import subprocess
from collections.abc import Mapping, Sequence
from typing import Protocol

from nfvd_ocf.proc import buffer_text, capped_buffer

from ..errors import NfvdHaError

#: what a command inherits from nfvd-ha's environment (nothing else: no LD_PRELOAD,
#: PYTHONPATH or proxies leak into the cluster tools)
ENV_KEEP = ("PATH", "HOME", "TMPDIR", "USER", "LOGNAME", "CIB_file", "CIB_shadow",
            "OCF_ROOT", "DOCKER_HOST", "DOCKER_CONFIG")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MAX_OUTPUT = 16 << 20  # bytes kept per stream


class Result:
    """What a command did: its argv, exit status and (capped) output."""

    def __init__(self, argv: list[str], rc: int, stdout: str, stderr: str) -> None:
        self.argv, self.rc, self.stdout, self.stderr = argv, rc, stdout, stderr

    @property
    def returncode(self) -> int:  # as subprocess.CompletedProcess says it
        return self.rc


def command_text(argv: Sequence[object]) -> str:
    return " ".join(str(a) for a in argv)


class CommandRunner(Protocol):
    """What the adapters need of a runner: the real one below, or the unit tests' fake
    (tests/helpers/fakes.py), held to the same signature."""

    def run(self, argv: Sequence[object], *, timeout: float,
            env: Mapping[str, str] | None = None, check: bool = False) -> Result: ...


class Runner:
    """Runs external commands: bounded, in their own process group, with a kept-small
    environment, output capped."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = dict(env or {})

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: os.environ[k] for k in ENV_KEEP if k in os.environ}
        env.setdefault("PATH", DEFAULT_PATH)
        env.update(self.env)
        env.update(extra or {})
        env["LC_ALL"] = "C"
        return env

    def run(self, argv: Sequence[object], *, timeout: float,
            env: Mapping[str, str] | None = None, check: bool = False) -> Result:
        """Run ``argv`` for at most ``timeout`` seconds; its process group is killed then."""
        words = [str(a) for a in argv]
        out, err = capped_buffer(MAX_OUTPUT), capped_buffer(MAX_OUTPUT)
        try:
            try:
                child = subprocess.Popen(words, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=err, env=self.environment(env),
                                         start_new_session=True)
            except OSError as exc:
                raise NfvdHaError(f"cannot run {words[0]}: {exc.strerror or exc}") from None
            try:
                rc = child.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(child)
                raise NfvdHaError(f"'{command_text(words)}' did not finish within {timeout:g}s"
                                  " (stopped)") from None
            result = Result(words, rc, buffer_text(out), buffer_text(err))
        finally:
            os.close(out)
            os.close(err)
        if check and rc != 0:
            raise NfvdHaError(f"{command_text(words)} exited {rc}: {failure_text(result)}")
        return result


#: the messages of a Pacemaker tool's XML result (--output-as=xml): <error>, then the status
PACEMAKER_ERRORS = re.compile(r"<error>([^<]*)</error>|<status [^>]*message=\"([^\"]*)\"")


def failure_text(result: Result) -> str:
    """What a failed command said, as one line (an error is one line): a Pacemaker XML
    result's messages, or the output's lines joined; the last 400 characters."""
    text = (result.stderr or result.stdout).strip()
    if text.startswith("<pacemaker-result"):
        found = [error or status for error, status in PACEMAKER_ERRORS.findall(text)]
        text = "; ".join(dict.fromkeys(m.strip() for m in found if m.strip())) or text
    return " / ".join(line.strip() for line in text.splitlines() if line.strip())[-400:]


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        os.killpg(child.pid, signal.SIGKILL)
    # a child stuck in the kernel is left behind, not waited for
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=2)
