"""Run installed OCF agents as real processes, the way Pacemaker's executor does."""

import os
import shutil
import signal
import subprocess
import sys
import time
import json

from .waits import wait_until

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STANDIN = os.path.join(REPO, "docker", "standins", "nfvd-standin")


class AgentResult:
    def __init__(self, rc, stdout, stderr, elapsed):
        self.rc, self.stdout, self.stderr, self.elapsed = rc, stdout, stderr, elapsed

    @property
    def reason(self):
        lines = [line for line in self.stderr.splitlines()
                 if line.startswith("ocf-exit-reason:")]
        return lines[-1][len("ocf-exit-reason:"):] if lines else ""

    def __repr__(self):
        return f"AgentResult(rc={self.rc}, reason={self.reason!r}, stderr={self.stderr!r})"


def install_agents(ocf_root):
    subprocess.run([sys.executable, "-m", "nfvd_ha", "agents", "install", "--ocf-root",
                    ocf_root], check=True, capture_output=True, cwd=REPO)
    return os.path.join(ocf_root, "resource.d", "nfvd")


def run_agent(agent_path, action, params=None, interval_ms=None, timeout_ms=20000,
              check_level=None, prefix=(), env_extra=None, wait=120):
    env = {"PATH": os.environ["PATH"], "OCF_ROOT": os.path.dirname(os.path.dirname(
        os.path.dirname(agent_path))), "HA_LOGFACILITY": "none",
        "OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1",
        "OCF_RESKEY_CRM_meta_timeout": str(timeout_ms)}
    if interval_ms is not None:
        env["OCF_RESKEY_CRM_meta_interval"] = str(interval_ms)
    if check_level is not None:
        env["OCF_CHECK_LEVEL"] = str(check_level)
    for key, value in (params or {}).items():
        env["OCF_RESKEY_" + key] = str(value)
    env.update(env_extra or {})
    started = time.monotonic()
    proc = subprocess.run(list(prefix) + [agent_path, action], env=env, capture_output=True,
                          text=True, timeout=wait)
    return AgentResult(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


class Standins:
    """The stand-in NFVD scripts and daemons of docker/standins, in a private directory."""

    def __init__(self, root, components, start_delay=0.1, stop_wait=2, ports=None):
        self.bin = os.path.join(root, "bin")
        self.state = os.path.join(root, "run")
        os.makedirs(self.bin)
        os.makedirs(self.state)
        for name in ("activator-ep", "nfv-director.sh"):
            os.symlink(STANDIN, os.path.join(self.bin, name))
        with open(os.path.join(self.bin, "standin.conf"), "w") as f:
            json.dump({"state_dir": self.state, "components": components,
                       "start_delay": start_delay, "stop_wait": stop_wait,
                       "ports": ports or {}}, f)
        self.activator_ep = os.path.join(self.bin, "activator-ep")
        self.nfv_director = os.path.join(self.bin, "nfv-director.sh")

    def pidfile(self, name):
        return os.path.join(self.state, f"{name}.pid")

    def pid(self, name):
        try:
            with open(self.pidfile(name)) as f:
                return int(f.read())
        except (OSError, ValueError):
            return None

    def alive(self, name):
        pid = self.pid(name)
        if pid is None:
            return False
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().split(") ")[1][0] != "Z"
        except OSError:
            return False

    def kill9(self, name):
        os.kill(self.pid(name), signal.SIGKILL)
        wait_until(lambda: not self.alive(name), 5, 0.05, f"{name} dead after SIGKILL")

    def flag(self, name, what):
        open(os.path.join(self.state, f"{name}.{what}"), "w").close()

    def events(self):
        try:
            with open(os.path.join(self.state, "events")) as f:
                return f.read().split("\n")[:-1]
        except OSError:
            return []

    def cleanup(self):
        for entry in os.listdir(self.state):
            if entry.endswith(".pid"):
                name = entry[:-4]
                if self.alive(name):
                    os.kill(self.pid(name), signal.SIGKILL)
        shutil.rmtree(self.bin, ignore_errors=True)
