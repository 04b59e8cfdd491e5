"""docs/evidence/ is generated from bench/results-*.txt by bench/evidence.py, and current.

The parser knows the shapes of the lines the benches print, not their labels: new rows, new
faults, new steps under a row and new results files must come out as tables, and no line of a
results file may be lost on the way.
"""

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPO, "bench", "evidence.py")
evidence = runpy.run_path(SCRIPT, run_name="evidence")

NEW_FORMATS = """\
# python3 bench/failover.py --runs 5   (2027-01-02 10:00 UTC, this project's 2-core VM)
# nfvd-lab-host: 2 cores, Linux-6.18.44-x86_64-with-glibc2.36
FF pair, silent crash (no FIN, no ARP reply) -> VIP+SOSA                       median   3.01 s   runs: 2.90 3.01 3.40
#   membership lost             median  1.10 s after the fault (3 of 3 runs)
#   fenced                      median  2.71 s after the fault (2 of 3 runs)
AA pair, holder cut from its peer (both links) and qnetd, still running -> VIP+gateway median  14.20 s   runs: 14.1 14.2 14.3
# a remark that is no table

# python3 bench/nemesis.py --seconds 600   (2027-01-03 11:00 UTC, nfvd-lab-host: 2 cores, Linux-6.18)
fault: random partitions and crashes | runs: 40 | dual-active: 0 | lost writes: 0 | client gap max: 4.2 s
fault: clock jumps | runs: 12 | dual-active: 0 | lost writes: 0 | skew max: 30 s
seed 1234: partition ff-node1 at 12.3 s, heal at 20.0 s
"""  # noqa: E501 (as the benches print them)


def page_for(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    pages = evidence["render"](str(tmp_path))
    return pages, pages[evidence["page_name"](name)]


def test_docs_evidence_is_current():
    done = subprocess.run([sys.executable, SCRIPT, "--check"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr


def test_regenerated_into_a_directory_it_matches_docs_evidence(tmp_path):
    done = subprocess.run([sys.executable, SCRIPT, "--out", str(tmp_path)], cwd="/",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    ours = os.path.join(REPO, "docs", "evidence")
    assert sorted(os.listdir(tmp_path)) == sorted(n for n in os.listdir(ours) if n.endswith(".md"))
    for name in os.listdir(tmp_path):
        assert (tmp_path / name).read_text() == Path(os.path.join(ours, name)).read_text(), (
            f"docs/evidence/{name} is not current: run python3 bench/evidence.py")


def test_the_check_fails_when_a_results_file_changes(tmp_path):
    results, out = tmp_path / "bench", tmp_path / "evidence"
    results.mkdir()
    for name in os.listdir(os.path.join(REPO, "bench")):
        if name.startswith("results-"):
            (results / name).write_text(Path(os.path.join(REPO, "bench", name)).read_text())
    assert subprocess.run([sys.executable, SCRIPT, "--results", str(results), "--out",
                           str(out)], capture_output=True, timeout=60).returncode == 0
    faults = results / "results-faults.txt"
    text = faults.read_text()  # one figure of the first fault row changed
    changed = re.sub(r"recovery median: [0-9.]+ s", "recovery median: 999.99 s", text, count=1)
    assert changed != text
    faults.write_text(changed)
    (results / "results-nemesis.txt").write_text(NEW_FORMATS)
    done = subprocess.run([sys.executable, SCRIPT, "--results", str(results), "--out",
                           str(out), "--check"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert sorted(done.stderr.splitlines()) == [
        f"Error: {out / name} is not current: run python3 bench/evidence.py"
        for name in ("README.md", "faults.md", "nemesis.md")]


def test_new_rows_steps_faults_and_files_come_out_as_tables(tmp_path):
    pages, page = page_for(tmp_path, "results-nemesis.txt", NEW_FORMATS)
    assert "| FF pair, silent crash (no FIN, no ARP reply) -> VIP+SOSA | median 3.01 s | " \
           "2.90 3.01 3.40 |" in page
    assert "| ↳ fenced | median 2.71 s after the fault (2 of 3 runs) |   |" in page
    assert "| AA pair, holder cut from its peer (both links) and qnetd, still running -> " \
           "VIP+gateway | median 14.20 s | 14.1 14.2 14.3 |" in page
    assert "| fault | runs | dual-active | lost writes | client gap max | skew max |" in page
    assert "| clock jumps | 12 | 0 | 0 |   | 30 s |" in page
    assert "## 2027-01-03 11:00 UTC: `python3 bench/nemesis.py --seconds 600`" in page
    assert "host: `nfvd-lab-host: 2 cores, Linux-6.18`" in page
    assert "host: `nfvd-lab-host: 2 cores, Linux-6.18.44-x86_64-with-glibc2.36`" in page
    index = pages["README.md"]
    assert "| bench/results-nemesis.txt | nemesis.md | 2 | failover.py, nemesis.py |" in index
    assert "| random partitions and crashes | 40 | 0 | 0 | 4.2 s |   |" in index


def test_lines_that_are_no_table_are_kept_as_written(tmp_path):
    _, page = page_for(tmp_path, "results-x.txt", NEW_FORMATS)
    assert "a remark that is no table\n" in page
    assert "seed 1234: partition ff-node1 at 12.3 s, heal at 20.0 s\n" in page


def test_markup_in_a_label_is_text(tmp_path):
    _, page = page_for(tmp_path, "results-x.txt",
                       "# python3 bench/x.py   (2027-01-01)\n"
                       "a <b>|c</b> *d* `e` _f_ g_h  median 1.00 s   runs: 1.00\n")
    assert r"| a \<b>\|c\</b> \*d\* \`e\` \_f\_ g_h | median 1.00 s | 1.00 |" in page


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(os.path.join(REPO, "bench"))
                                        if n.startswith("results-")))
def test_every_figure_of_a_results_file_is_on_its_page(name):
    """No figure lost: each number in the results file is on its page as often or more."""
    text = Path(os.path.join(REPO, "bench", name)).read_text()
    page = evidence["render"](os.path.join(REPO, "bench"))[evidence["page_name"](name)]
    figures = re.compile(r"\d+(?:\.\d+)?")
    for figure in set(figures.findall(text)):
        assert figures.findall(page).count(figure) >= figures.findall(text).count(figure), \
            figure


def test_a_results_file_that_is_a_link_is_refused(tmp_path):
    (tmp_path / "elsewhere.txt").write_text("x\n")
    os.symlink(tmp_path / "elsewhere.txt", tmp_path / "results-link.txt")
    with pytest.raises(SystemExit, match=r"^Error: .*/results-link.txt: Too many levels"):
        evidence["render"](str(tmp_path))


APPENDED = """\
# python3 bench/nemesis.py --minutes 3 --seed 7 --pairs ff   (2027-01-04 09:00 UTC, lab-a: 2 cores)
nemesis: seed 7 | minutes: 3 | faults: 9 | dual-active: 0 | longest unavailability: 3.9 s
# python3 bench/nemesis.py --minutes 3 --seed 8 --pairs ff   (2027-01-05 09:00 UTC, lab-a: 2 cores)
nemesis: seed 8 | minutes: 3 | faults: 11 | dual-active: 0 | longest unavailability: 4.4 s
"""


def test_runs_appended_without_a_blank_line_are_runs_and_the_latest_is_current(tmp_path):
    pages, page = page_for(tmp_path, "results-nemesis.txt", APPENDED)
    assert page.count("\n## 2027-01-0") == 2
    assert "## 2027-01-05 09:00 UTC: `python3 bench/nemesis.py --minutes 3 --seed 8 --pairs " \
           "ff`" in page
    assert "host: `lab-a: 2 cores`" in page
    assert "| nemesis | minutes | faults | dual-active | longest unavailability |" in page
    index = pages["README.md"]
    assert "| bench/results-nemesis.txt | nemesis.md | 2 | nemesis.py |" in index
    assert "| seed 8 | 3 | 11 | 0 | 4.4 s |" in index and "seed 7" not in index


def test_the_readmes_headline_failover_figure_is_the_latest_silent_crash_median():
    """The README's one figure is a silent crash's (a VM that dies sends nothing more), as
    the latest failover run measured it: a new run that changes it fails here until the
    README says the same."""
    results = Path(os.path.join(REPO, "bench", "results-failover.txt")).read_text()
    row = re.search(r"^FF pair, silent crash .*? median\s+([\d.]+) s", results, re.M)
    readme = Path(os.path.join(REPO, "README.md")).read_text()
    said = re.search(r"silently crashed active node[^.]*? in ([\d.]+) s \(median", readme)
    assert row and said, "README.md or bench/results-failover.txt lost the silent-crash figure"
    assert said.group(1) == row.group(1)


def test_the_pacemaker_3_pages_stack_table_is_the_latest_two_stack_run():
    """docs/design/pacemaker-3.md compares the stacks with figures typed into a table: every
    one must be the latest two-stack run's median of that row, or a new run fails here until
    the page says the same."""
    results = Path(os.path.join(REPO, "bench", "results-stacks.txt")).read_text()
    medians = {(stack, label): value for stack, label, value in re.findall(
        r"^\[(\w+)\] FF pair, (silent crash|kill -9 SOSA|crm node standby)\b.*? median\s+"
        r"([\d.]+) s", results, re.M)}
    page = Path(os.path.join(REPO, "docs", "design", "pacemaker-3.md")).read_text()
    rows = {"silent crash": r"^\| silent crash of the holder[^|]*\| ([\d.]+) s \| ([\d.]+) s \|$",
            "kill -9 SOSA": r"^\| kill -9 SOSA[^|]*\| ([\d.]+) s \| ([\d.]+) s \|$",
            "crm node standby": r"^\| planned switchover[^|]*\| ([\d.]+) s \| ([\d.]+) s \|$"}
    for label, pattern in rows.items():
        said = re.search(pattern, page, re.M)
        assert said, f"docs/design/pacemaker-3.md lost the {label} row"
        assert said.groups() == (medians[("bookworm", label)], medians[("trixie", label)]), \
            f"{label}: the page says {said.groups()}, bench/results-stacks.txt " \
            f"{medians[('bookworm', label)]} / {medians[('trixie', label)]}"
