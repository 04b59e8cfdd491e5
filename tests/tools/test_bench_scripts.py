"""The bench scripts are run by hand, not by CI: each must still load what it renders with.

Each script is executed in a fresh interpreter from a neutral directory (as an operator runs
it, not under pytest's import paths), up to its ``main``; then the agents' declarations the
definition checks against must be the product's ``agents`` package, not ``tests/agents``
(a namespace package that shadowed it once and broke every lab bench at render time).
"""

import glob
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = sorted(glob.glob(os.path.join(REPO, "bench", "*.py")))

PROBE = """
import runpy, sys
runpy.run_path(sys.argv[1], run_name="bench_loaded")
from nfvd_ha.definition.resources import declaration
import agents
print(sorted(agents.AGENTS), declaration("vip") is not None)
"""


def test_there_are_bench_scripts():
    assert {os.path.basename(s) for s in SCRIPTS} >= {"faults.py", "failover.py", "soak.py"}


@pytest.mark.parametrize("script", SCRIPTS, ids=os.path.basename)
def test_bench_script_loads_the_product_agents(script):
    done = subprocess.run([sys.executable, "-c", PROBE, script], cwd="/", capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == \
        "['activator-ep', 'nfvd-assurance', 'nfvd-hpsa', 'shared-fs', 'vip'] True"


def test_ci_setup_removes_the_leftovers_of_every_bench_lab():
    """An interrupted bench leaves its containers holding the lab's subnet; .ci/setup removes
    those of the lab's own compose projects (and nothing else): every bench's must be one."""
    import re
    setup = Path(os.path.join(REPO, ".ci", "setup")).read_text()
    ours = re.compile(re.search(r"^ours='(.*)'$", setup, re.M).group(1))
    projects = {name for script in SCRIPTS
                for name in re.findall(r'running_lab\("([^"]+)"', Path(script).read_text())}
    assert projects >= {"benchfaults", "benchlb", "benchmig", "benchpcmk", "soak"}
    assert [p for p in sorted(projects) if not ours.match(p)] == []
    assert not ours.match("someone-elses-project") and ours.match("nfvdlab2")
