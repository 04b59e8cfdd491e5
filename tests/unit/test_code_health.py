"""The habits CI keeps: ruff and mypy clean, no import cycle between modules, and the agents'
runtime free of anything heavy or outside the standard library."""

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGES = ("nfvd_ocf", "agents", "crm", "heartbeat_compat", "nfvd_ha")


def modules():
    """{module name: path} of every module of the product."""
    found = {}
    for package in PACKAGES:
        for directory, _, files in os.walk(os.path.join(REPO, package)):
            for name in files:
                if name.endswith(".py"):
                    rel = os.path.relpath(os.path.join(directory, name), REPO)[:-3]
                    found[rel.replace(os.sep, ".").removesuffix(".__init__")] = \
                        os.path.join(directory, name)
    return found


def _type_checking_only(tree):
    """The import statements under ``if TYPE_CHECKING:``: names for the type checker, never
    run (so no cycle at run time)."""
    return {id(child) for node in ast.walk(tree) if isinstance(node, ast.If) and
            (getattr(node.test, "id", None) or getattr(node.test, "attr", None)) ==
            "TYPE_CHECKING" for stmt in node.body for child in ast.walk(stmt)}


def imports(name, path, known):
    """Our modules that ``name`` imports (anywhere in it, functions included; not the names
    imported for the type checker alone)."""
    tree = ast.parse(Path(path).read_text())
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    found, skipped = set(), _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names]
            if not all(t in known for t in targets):
                targets.append(base)
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                found.add(target)  # (a module's own parent packages are initialised first)
    return found


def test_no_import_cycle_between_modules():
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    cycles = [c for c in _components(graph) if len(c) > 1]
    assert cycles == [], f"import cycles: {cycles}"


def _components(graph):
    """Strongly connected components (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            out.append(sorted(component))
    for v in graph:
        if v not in index:
            visit(v)
    return out


#: nfvd_ha's bottom layer: errors, durations, paths, the clock and the tables every layer uses
BOTTOM = ("nfvd_ha", "nfvd_ha.errors", "nfvd_ha.durations", "nfvd_ha.paths", "nfvd_ha.clock",
          "nfvd_ha.endpoints", "nfvd_ha.roles")
MODEL = "nfvd_ha.definition"


def _in(name, *layers):
    """``name`` is one of ``layers`` or inside one (the package ``nfvd_ha`` itself: only its
    ``__init__``, the whole of it is no layer)."""
    return any(name == layer or (layer != "nfvd_ha" and name.startswith(layer + "."))
               for layer in layers)


def third_party(path):
    """The top-level names of what a module imports from outside the product."""
    found = set()
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found.add((node.module or "").split(".")[0])
    return found


#: (whose imports, what they may import of ours, what they may never import from outside)
LAYERS = (
    (("nfvd_ocf", "agents"), ("nfvd_ocf", "agents"),  # installed self-contained, stdlib only
     {"lxml", "click", "pyinotify", "sh", "nfvd_ha"}),
    # the rendered CIB and heartbeat's files: the model and the bottom layer, no use case
    (("crm", "heartbeat_compat"), ("crm", "heartbeat_compat", MODEL, "nfvd_ocf", "agents")
     + BOTTOM, {"click", "subprocess"}),
    (BOTTOM, BOTTOM + ("nfvd_ocf",), {"click", "subprocess", "lxml"}),
    # the CLI: click commands over the use cases (and the bottom layer's paths and errors)
    (("nfvd_ha.cli",), ("nfvd_ha.cli", "nfvd_ha.commands") + BOTTOM, set()),
    # use cases never print or parse arguments
    (("nfvd_ha.commands",), ("nfvd_ha.commands", "nfvd_ha.adapters", "nfvd_ha.renderers",
                             MODEL, "crm", "heartbeat_compat", "nfvd_ocf", "agents") + BOTTOM,
     {"click"}),
    # the outside world: what the use cases reach it through
    (("nfvd_ha.adapters",), ("nfvd_ha.adapters", "heartbeat_compat", "nfvd_ocf") + BOTTOM,
     {"click"}),
    # renderers: a definition in, a document out; they run no process (keys read secret
    # files through adapters.files)
    (("nfvd_ha.renderers",), ("nfvd_ha.renderers", "nfvd_ha.adapters.files", MODEL)
     + BOTTOM, {"click", "subprocess"}),
)


@pytest.mark.parametrize("whose,allowed,banned", LAYERS, ids=lambda v: str(v)[:40])
def test_layers(whose, allowed, banned):
    known = modules()
    wrong = {}
    for name, path in known.items():
        if not _in(name, *whose):
            continue
        ours = {m for m in imports(name, path, known) if not _in(m, *allowed)}
        outside = third_party(path) & banned
        if ours or outside:
            wrong[name] = sorted(ours | outside)
    assert wrong == {}


def test_every_module_of_nfvd_ha_is_in_a_layer():
    layered = BOTTOM + (MODEL, "nfvd_ha.cli", "nfvd_ha.commands", "nfvd_ha.adapters",
                        "nfvd_ha.renderers", "nfvd_ha.__main__")
    assert [n for n in modules() if n.startswith("nfvd_ha") and not _in(n, *layered)] == []


def test_the_layer_check_sees_a_use_case_in_the_cli(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("from ..adapters.runner import Runner\nimport click\n")
    known = {"nfvd_ha.cli.m": str(path), "nfvd_ha.adapters.runner": "", "nfvd_ha.cli": ""}
    assert imports("nfvd_ha.cli.m", str(path), known) == {"nfvd_ha.adapters.runner"}
    assert "click" in third_party(str(path))


@pytest.mark.parametrize("tool,argv", [("ruff", ["ruff", "check", "."]),
                                       ("mypy", [sys.executable, "-m", "mypy"])])
def test_lint_and_types(tool, argv):
    if tool == "ruff" and not shutil.which("ruff"):
        pytest.fail("ruff is not installed (pip install -e .[test])")
    out = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_cycle_check_sees_a_cycle():
    assert [c for c in _components({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
            if len(c) > 1] == [["a", "b", "c"]]


def test_imports_for_the_type_checker_alone_are_not_edges(tmp_path):
    module = tmp_path / "a.py"
    module.write_text("import p.c\nTYPE_CHECKING = False\nif TYPE_CHECKING:\n"
                      "    from p import b\n")
    known = {"p.a": str(module), "p.b": "", "p.c": ""}
    assert imports("p.a", str(module), known) == {"p.c"}
