"""docs/operator/definition-reference.md is generated from the definition's own checks by
docs/definition_reference.py, and current: a key the loader allows cannot be missing from it,
and a key it no longer allows cannot stay."""

import os
import runpy
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "docs", "definition_reference.py")
PAGE = os.path.join(REPO, "docs", "operator", "definition-reference.md")
reference = runpy.run_path(SCRIPT, run_name="definition_reference")


def test_the_page_is_current():
    done = subprocess.run([sys.executable, SCRIPT, "--check"], cwd="/", capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_check_fails_on_a_stale_page(tmp_path):
    stale = tmp_path / "reference.md"
    stale.write_text(Path(PAGE).read_text().replace("| `deadtime` | duration |  | `1s` |",
                                               "| `deadtime` | duration |  | `2s` |"))
    done = subprocess.run([sys.executable, SCRIPT, "--check", "--out", str(stale)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == (f"Error: {stale} is not current: run python3 "
                           "docs/definition_reference.py\n")


def _paths(value, where=""):
    """The key paths of a parsed definition, shaped as the page writes them."""
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else key
            if where.endswith(".params"):
                continue  # an agent's parameters (the nfvd agents': their own section)
            yield reference["shape"](path)
            yield from _paths(item, path)
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for item in value:
            yield from _paths(item, f"{where}[0]")


def test_every_key_of_the_example_is_on_the_page():
    with open(os.path.join(REPO, "nfvd_ha", "examples", "reference.toml"), "rb") as example:
        used = set(_paths(tomllib.load(example)))
    page = Path(PAGE).read_text()
    _keys, tables = reference["record"]()
    allowed = set(reference["every_key"](tables))
    assert used - allowed == set()
    keys_section = page.split("## Keys", 1)[1].split("## String grammar", 1)[0]
    rows = [line for line in keys_section.splitlines()
            if line.startswith("| `")]
    # one row per key the loader allows, in each table
    assert len(rows) == sum(len(table.allowed) for table in tables.values())


def test_the_page_names_every_range_the_loader_checks():
    page = Path(PAGE).read_text()
    # a few ranges as the loader states them (nfvd_ha/definition/)
    for row in ("| `deadtime` | duration |  | `1s` | 200ms - 5min |",
                "| `restarts_before_failover` | integer |  | `3` | 0 - 100 |",
                "| `port` | integer |  | `5403` | 1 - 65535 |",
                "| `timeout` | duration |  | `16s` | 1s - 15min |"):
        assert row in page


def test_a_key_the_loader_allows_without_a_meaning_stops_the_generator():
    meaning = dict(reference["MEANING"])
    del meaning["cluster[].recovery.failure_timeout"]
    generator = runpy.run_path(SCRIPT, run_name="definition_reference")
    generator["MEANING"].clear()
    generator["MEANING"].update(meaning)
    with pytest.raises(SystemExit, match=r"does not explain: cluster\[\]\.recovery"
                                         r"\.failure_timeout"):
        generator["page"]()


def test_a_meaning_of_a_key_the_loader_no_longer_allows_stops_the_generator():
    generator = runpy.run_path(SCRIPT, run_name="definition_reference")
    generator["MEANING"]["cluster[].timing.heartbeat"] = "gone"
    with pytest.raises(SystemExit, match=r"no longer allows: cluster\[\]\.timing\.heartbeat"):
        generator["page"]()
