"""The suite collects as one run: the README's test command is a single pytest call over tests/.

Test directories are not packages (rootdir-relative imports), so two test modules with the
same file name in different directories make pytest stop at collection ("import file
mismatch") and the whole run is red after a few seconds. Each tier alone would still pass.
"""

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_two_test_modules_share_a_file_name() -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for module in TESTS.rglob("test_*.py"):
        if (module.parent / "__init__.py").exists():
            continue  # a package's module is imported by its dotted name
        by_name[module.name].append(str(module.relative_to(TESTS)))
    clashes = {name: paths for name, paths in by_name.items() if len(paths) > 1}
    assert clashes == {}
