#!/usr/bin/env python3
"""docs/evidence/ from bench/results-*.txt: every run's tables, the command that reruns it, its
date and host line, and everything else it recorded, verbatim. Nothing in docs/evidence/ is
typed by hand: after a bench run, regenerate it.

  python3 bench/evidence.py [--out docs/evidence]

tests/tools/test_evidence.py fails when docs/evidence/ is not what this writes.

What a results file holds (the benches print it; runs are pasted in, the current one first):
paragraphs separated by blank lines; a run starts with a paragraph whose first line is the
command, ``# python3 bench/NAME.py ARGS   (DATE, ...)``, and goes on until the next such line.
In a run, ``#`` lines are comments (``# --- TEXT ---`` a sub-heading); a data line is a
measurement (``LABEL  FIGURES``: a ``median``, or figures set off by two spaces; ``runs: ...``
the values it came from), a row of ``key: value | key: value`` fields, or anything else (kept
as text). An indented comment with a ``median`` right under a measurement is a step of it
(``#   fenced   median 3.01 s after the kill``). Nothing is matched by its label, and no line
is dropped: what is not a table is shown as written.
"""
import argparse
import glob
import os
import re
import stat
import sys
import tempfile
from typing import Any

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(REPO, "bench")
OUT = os.path.join(REPO, "docs", "evidence")
REGENERATE = "python3 bench/evidence.py"
MAX_BYTES = 4 << 20  # a results file is a few kB; more is not one

COMMAND = re.compile(r"^#\s*((?:sudo\s+)?python3\s+bench/[\w.-]+\.py\b.*?)(?:\s{2,}\((.*))?$")
HOST = re.compile(r"\b[\w.-]+: \d+ cores(?:, [^\s;,)]+)?")
HEADING = re.compile(r"^#\s*-{3,}\s*(.*?)\s*-{3,}\s*$")
STEP = re.compile(r"^#\s{2,}(\S.*?)\s+(median\b.*)$")
FIELD = re.compile(r"^\s*([^:|]+?):\s*(.*?)\s*$")
#: where a measurement's label ends: before its first median (a few words may name what the
#: median is of: "longest gap median"), or at two spaces followed by figures (a number after
#: at most three words: "nfvd   22.1 ms"; labels pad with two spaces too: "depth 0  shared-fs")
Paragraph = list[tuple[int, str]]  # (line number, line)
LABEL_END = re.compile(r"\s+(?=(?:longest gap\s+)?median\b)|\s{2,}(?=(?:[^\s\d]\S*\s+){0,3}\d)")


class Measure:
    """``LABEL  FIGURES  runs: VALUES`` and the steps listed under it."""

    def __init__(self, label: str, result: str, runs: str) -> None:
        self.label, self.result, self.runs = label, result, runs
        self.steps: list[tuple[str, str]] = []


class Run:
    def __init__(self, command: str | None, when: str, line: int, title: str = "") -> None:
        self.command, self.when, self.line, self.title = command, when, line, title
        self.host = ""
        #: ("comment"|"data", [lines]) | ("heading", text) | ("measures"|"fields", [rows])
        self.blocks: list[tuple[str, Any]] = []

    def add(self, kind: str, item: Any) -> None:
        if self.blocks and self.blocks[-1][0] == kind and kind != "heading":
            self.blocks[-1][1].append(item)
        else:
            self.blocks.append((kind, item if kind == "heading" else [item]))

    def script(self) -> str:
        found = re.search(r"bench/([\w.-]+\.py)", self.command or "")
        return found.group(1) if found else ""


def read_results(path: str) -> str:
    """The text of a results file: a regular file, size-capped, not followed through a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise SystemExit(f"Error: {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise SystemExit(f"Error: {path}: not a regular file")
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise SystemExit(f"Error: {path}: larger than {MAX_BYTES} bytes")
    return data.decode("utf-8", errors="replace")


def paragraphs(text: str) -> list[Paragraph]:
    """[(first line number, [lines])] separated by blank lines."""
    found: list[Paragraph] = []
    current: Paragraph = []
    for number, line in enumerate(text.replace("\t", "    ").splitlines(), 1):
        line = line.rstrip()
        if line:
            current.append((number, line))
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def parse(text: str) -> list["Run"]:
    """[Run] of a results file, in its order."""
    runs: list[Run] = []
    for paragraph in paragraphs(text):
        opened = opens_run(paragraph) or not runs
        if opened:
            paragraph = open_run(runs, paragraph)
        elif runs[-1].blocks:
            runs[-1].add("comment", "")  # the blank line between paragraphs of one run
        for at, (number, line) in enumerate(paragraph):
            command = COMMAND.match(line)
            if command and not (opened and at == 0):  # runs appended with no blank line
                runs.append(command_run(command, number, ""))
            take_line(runs[-1], line)
    for run in runs:
        host = next((found for kind, lines in run.blocks if kind in ("comment", "data")
                     for line in lines if (found := HOST.search(line))), None)
        run.host = host.group(0) if host else ""
    return runs


def open_run(runs: list[Run], paragraph: Paragraph) -> Paragraph:
    """Append the run ``paragraph`` opens; returns its lines after the sub-headings that
    name the run (its title)."""
    opening = opening_command(paragraph)
    start = opening[0] if opening else next(
        (at for at, (_, line) in enumerate(paragraph) if not HEADING.match(line)),
        len(paragraph))
    headings = [found.group(1) for _, line in paragraph[:start]
                if (found := HEADING.match(line))]
    if opening is None:
        runs.append(Run(None, "", paragraph[0][0], ", ".join(headings)))
        return paragraph[start:]
    runs.append(command_run(opening[1], paragraph[start][0], ", ".join(headings)))
    return paragraph[start:]


def command_run(command: re.Match[str], line: int, title: str) -> Run:
    """The run a command line opens (its date: the remark's first part)."""
    when = re.split(r"[,)]", command.group(2) or "")[0].strip()
    return Run(command.group(1).strip(), when, line, title)


def opening_command(paragraph: Paragraph) -> tuple[int, re.Match[str]] | None:
    """(index, match) of the command line that opens a run in ``paragraph`` (its first line,
    or the first after sub-headings), or None."""
    for at, (_, line) in enumerate(paragraph):
        if command := COMMAND.match(line):
            return at, command
        if not HEADING.match(line):
            return None
    return None


def opens_run(paragraph: Paragraph) -> bool:
    """A paragraph opens a run with its command, or with a sub-heading (``--- earlier run
    (DATE) ---``: a run whose command was not recorded)."""
    return opening_command(paragraph) is not None or bool(HEADING.match(paragraph[0][1]))


def take_line(run: Run, line: str) -> None:
    last = run.blocks[-1] if run.blocks else None
    if line.startswith("#"):
        heading, step = HEADING.match(line), STEP.match(line)
        if heading:
            run.add("heading", heading.group(1))
        elif step and last and last[0] == "measures":
            last[1][-1].steps.append((step.group(1), _squeeze(step.group(2))))
        else:
            run.add("comment", line[2:] if line.startswith("# ") else line[1:])
    elif (fields := as_fields(line)) is not None:
        run.add("fields", fields)
    elif (measure := as_measure(line)) is not None:
        run.add("measures", measure)
    else:
        run.add("data", line)


def as_fields(line: str) -> dict[str, str] | None:
    """{key: value} of ``key: value | key: value ...``, or None."""
    parts = line.split("|")
    if len(parts) < 2:
        return None
    fields = {}
    for part in parts:
        found = FIELD.match(part)
        if not found:
            return None
        fields[found.group(1).strip()] = found.group(2)
    return fields


def as_measure(line: str) -> Measure | None:
    end = None if line[:1].isspace() else LABEL_END.search(line)
    if not end or not line[:end.start()].strip():
        return None
    label, result, values = line[:end.start()], line[end.end():], ""
    runs = re.search(r"(?:^|\s)runs:\s*", result)
    if runs:
        result, values = result[:runs.start()], result[runs.end():]
    return Measure(_squeeze(label), _squeeze(result), _squeeze(values))


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --- Markdown -------------------------------------------------------------------------------

def cell(text: str) -> str:
    """``text`` as one table cell (what Markdown would read as markup escaped)."""
    text = re.sub(r"([\\`*\[\]<|])", r"\\\1", text)
    return re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", text) or " "


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(cell(h) for h in header) + " |",
             "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


def measures_table(measures: list[Measure]) -> list[str]:
    rows = []
    for m in measures:
        rows.append([m.label, m.result, m.runs])
        rows += [["↳ " + step, figure, ""] for step, figure in m.steps]
    return table(["measured", "result", "runs"], rows)


def fields_table(rows: list[dict[str, str]]) -> list[str]:
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    return table(keys, [[row.get(k, "") for k in keys] for row in rows])


def text_block(lines: list[str]) -> list[str]:
    while lines and not lines[-1]:
        lines = lines[:-1]
    while lines and not lines[0]:
        lines = lines[1:]
    fence = "```"
    while any(fence in line for line in lines):
        fence += "`"
    return [fence + "text", *lines, fence]


def blocks_lines(blocks: list[tuple[str, Any]]) -> list[str]:
    """Markdown of a run's blocks: tables, sub-headings, and its other lines as written
    (comments and data together, in one preformatted block until the next table)."""
    lines: list[str] = []
    text: list[str] = []
    for kind, item in blocks + [("end", None)]:
        if kind in ("comment", "data"):
            text += item
            continue
        if text:
            lines += text_block(text) + [""]
            text = []
        if kind == "heading":
            lines += [f"#### {item}", ""]
        elif kind == "measures":
            lines += measures_table(item) + [""]
        elif kind == "fields":
            lines += fields_table(item) + [""]
    return lines


def summary_lines(run: Run) -> list[str]:
    """The index's view of a run: its tables, or when it has none its data lines."""
    lines: list[str] = []
    for kind, item in run.blocks:
        if kind == "measures":
            lines += measures_table(item) + [""]
        elif kind == "fields":
            lines += fields_table(item) + [""]
    if not lines:
        data = [line for kind, item in run.blocks if kind == "data" for line in item]
        lines = text_block(data) + [""] if data else []
    return lines


def run_title(run: Run) -> str:
    if run.command is None:
        return run.title or "Notes"
    title = f"{run.when}: `{run.command}`" if run.when else f"`{run.command}`"
    return f"{title} ({run.title})" if run.title else title


def run_lines(run: Run, source: str) -> list[str]:
    lines = [f"## {run_title(run)}", ""]
    facts = [f"{source} line {run.line}"]
    if run.command:
        facts.insert(0, f"rerun: `{run.command}`")
    if run.host:
        facts.append(f"host: `{run.host}`")
    return lines + ["; ".join(facts) + ".", ""] + blocks_lines(run.blocks)


def page_name(path: str) -> str:
    return os.path.basename(path).removeprefix("results-").removesuffix(".txt") + ".md"


def generated_note(sources: str) -> str:
    return (f"Generated by `{REGENERATE}` from {sources}: do not edit; rerun it after a "
            "bench run (tests/tools/test_evidence.py checks this is current).")


def page(path: str, runs: list[Run]) -> str:
    source = f"bench/{os.path.basename(path)}"
    lines = [f"# {source}", "", generated_note(f"`{source}`"), ""]
    lines.append("Runs, in the file's order: "
                 + ", ".join(run_title(r) for r in runs if r.command) + ".")
    lines.append("")
    for run in runs:
        lines += run_lines(run, source)
    return "\n".join(lines).rstrip() + "\n"


def current_runs(runs: list[Run]) -> list[Run]:
    """Each bench's current run: its latest dated one (runs dated YYYY-MM-DD...), else its
    first in the file (the results files keep the current run first, or append)."""
    best: dict[str, tuple[str, int]] = {}
    for at, run in enumerate(runs):
        if run.command:
            dated = run.when if re.match(r"\d{4}-\d{2}-\d{2}", run.when) else ""
            if run.script() not in best or dated > best[run.script()][0]:
                best[run.script()] = (dated, at)
    return [runs[at] for _, at in best.values()]


def index(pages: list[tuple[str, list[Run]]]) -> str:
    lines = ["# Evidence", "", generated_note("`bench/results-*.txt`"), "",
             "The benches run by hand on the lab (the ones that start it need root and the "
             "lab to themselves). Below, each bench's current run (its latest dated one); "
             "every run on its results file's page.", "",
             *table(["results", "page", "runs", "benches"],
                    [[f"bench/{os.path.basename(p)}", page_name(p),
                      str(sum(1 for r in runs if r.command)),
                      ", ".join(dict.fromkeys(r.script() for r in runs if r.script()))]
                     for p, runs in pages]), ""]
    for path, runs in pages:
        for run in current_runs(runs):
            lines += [f"## {run.script()}, {run.when or 'undated'} "
                      f"([{page_name(path)}]({page_name(path)}))", "",
                      f"rerun: `{run.command}`" + (f"; host: `{run.host}`" if run.host else "")
                      + ".", "", *summary_lines(run)]
    return "\n".join(lines).rstrip() + "\n"


def render(results_dir: str = RESULTS) -> dict[str, str]:
    """{file name: Markdown} of docs/evidence/."""
    pages = [(path, parse(read_results(path)))
             for path in sorted(glob.glob(os.path.join(results_dir, "results-*.txt")))]
    out = {page_name(path): page(path, runs) for path, runs in pages}
    out["README.md"] = index(pages)
    return out


def write(out_dir: str, pages: dict[str, str]) -> None:
    """Write ``pages`` into ``out_dir`` (each file replaced atomically) and remove the .md
    files it no longer has."""
    os.makedirs(out_dir, exist_ok=True)
    for name in os.listdir(out_dir):
        if name.endswith(".md") and name not in pages:
            os.unlink(os.path.join(out_dir, name))
    for name, text in sorted(pages.items()):
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, os.path.join(out_dir, name))
        except BaseException:
            os.unlink(tmp)
            raise


def stale(out_dir: str, pages: dict[str, str]) -> list[str]:
    """Names of the pages ``out_dir`` lacks or holds otherwise, and of its .md files that are
    no page any more."""
    have = {name for name in os.listdir(out_dir) if name.endswith(".md")} \
        if os.path.isdir(out_dir) else set()
    found = sorted(have - set(pages))
    for name, text in sorted(pages.items()):
        path = os.path.join(out_dir, name)
        if name not in have or read_results(path) != text:
            found.append(name)
    return found


def shown(path: str) -> str:
    path = os.path.abspath(path)
    return os.path.relpath(path, REPO) if path.startswith(REPO + os.sep) else path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", default=RESULTS, help="where results-*.txt are")
    parser.add_argument("--out", default=OUT)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when OUT is not what this would write")
    args = parser.parse_args(argv)
    pages = render(args.results)
    if args.check:
        behind = stale(args.out, pages)
        for name in behind:
            print(f"Error: {shown(os.path.join(args.out, name))} is not current: run "
                  f"{REGENERATE}", file=sys.stderr)
        sys.exit(1 if behind else 0)
    write(args.out, pages)
    print(f"wrote {len(pages)} pages into {shown(args.out)}", file=sys.stderr)


if __name__ == "__main__":
    main()
