"""The one seam for external commands: argv lists, no shell, LC_ALL=C.

Unit tests pass a fake with the same ``run`` signature and check the exact argv.
"""

import os


class Result:
    def __init__(self, argv, rc, stdout, stderr):
        self.argv, self.rc, self.stdout, self.stderr = argv, rc, stdout, stderr


class Runner:
    def __init__(self, env=None):
        self.env = dict(env or {})

    def run(self, argv, env=None, timeout=600, check=False):
        import subprocess
        full_env = dict(os.environ, LC_ALL="C", **self.env, **(env or {}))
        proc = subprocess.run(argv, env=full_env, capture_output=True, text=True,
                              timeout=timeout)
        result = Result(list(argv), proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            from .errors import NfvdHaError
            raise NfvdHaError(f"{' '.join(argv)} exited {proc.returncode}: "
                              f"{(proc.stderr or proc.stdout).strip()[-400:]}")
        return result
