"""Property-based: random and mutated definitions never give a traceback or partial output."""

import json
import os
import tomllib

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from nfvd_ha import render
from nfvd_ha.cli import main
from nfvd_ha.definition import EXAMPLE
from nfvd_ha.definition import load_text
from nfvd_ha.errors import NfvdHaError

BASE = tomllib.loads(open(EXAMPLE).read())
scalars = st.one_of(st.integers(-5, 70000), st.booleans(), st.text(max_size=12),
                    st.sampled_from(["1s", "250ms", "10.0.0.1", "eth0", "vip", "ff-node1",
                                     "nfs", "", "0", "-1s"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6)


def dump(value):
    """Inline TOML for any JSON-like value (invalid TOML is fine: it must be reported)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {dump(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[ " + ", ".join(dump(v) for v in value) + " ]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def to_text(data):
    return "\n".join(f"{json.dumps(k)} = {dump(v)}" for k, v in data.items()) + "\n"


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, prefix + (i,))


ALL_PATHS = [p for p in paths(BASE) if p]


def mutate(data, path, new, delete):
    data = json.loads(json.dumps(data))
    target = data
    for step in path[:-1]:
        target = target[step]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = new
    return data


def build_or_error(text):
    try:
        definition = load_text(text, "fuzz.toml")
    except NfvdHaError as error:
        assert error.problems and all(str(p) for p in error.problems)
        return None
    try:
        return render.build(definition, stats_password="fuzz-password-0123456")
    except NfvdHaError:
        return None


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ALL_PATHS), values, st.booleans())
def test_mutated_example_is_rendered_or_reported(path, new, delete):
    build_or_error(to_text(mutate(BASE, path, new, delete)))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["cluster", "loadbalancer", "x"]), values, max_size=2))
def test_random_definitions_are_reported(data):
    build_or_error(to_text(data))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_text_is_reported(text):
    build_or_error(text)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(ALL_PATHS), values, st.booleans())
def test_cli_render_is_all_or_nothing(tmp_path, path, new, delete):
    import pathlib
    import tempfile
    case = pathlib.Path(tempfile.mkdtemp(dir=tmp_path))
    definition = case / "d.toml"
    mutated = mutate(BASE, path, new, delete)
    definition.write_text(to_text(mutated))
    out = case / "out"
    result = CliRunner().invoke(main, ["render", str(definition), "--out", str(out)])
    assert result.exit_code in (0, 1), result.output
    if result.exit_code == 1:
        assert result.stderr.startswith("Error: ")
        assert not out.exists()
    else:
        written = {os.path.relpath(os.path.join(d, f), out)
                   for d, _, files in os.walk(out) for f in files}
        assert not any(".nfvd-ha." in w for w in written)
        assert ("haproxy/haproxy.cfg" in written) == ("loadbalancer" in mutated)


def _at(data, path):
    for step in path:
        data = data[step]
    return data


STRING_PATHS = [p for p in ALL_PATHS if isinstance(_at(BASE, p), str)]
CONTROL = st.sampled_from(["\n", "\r", "\x00", "\x1b[31m", "\x7f", "\u2028", "\x85",
                           "\t"])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(STRING_PATHS), CONTROL, st.booleans())
def test_a_control_character_in_any_string_field_is_refused_by_name(path, char, append):
    """Every free string reaches some rendered file; none may carry a control character
    (a newline injected `http-request deny if TRUE` into haproxy.cfg, a `totem {...}` block
    into corosync.conf)."""
    value = _at(BASE, path)
    bad = value + char + "x" if append else char + value
    with pytest.raises(NfvdHaError) as error:
        load_text(to_text(mutate(BASE, path, bad, False)), "fuzz.toml")
    assert any("control character" in str(p) or "not a valid" in str(p)
               or "is not" in str(p) for p in error.value.problems), error.value.problems


@pytest.mark.parametrize("path,value,message", [
    (("loadbalancer", "service", 0, "check", "path"), "/\n    http-request deny if TRUE",
     "control character"),
    (("cluster", 0, "quorum_device", "host"), "q\n}\ntotem { crypto_cipher: none }",
     "control character"),
    (("loadbalancer", "service", 0, "servers", 0, "cookie"), "GUI1 insert", "not a valid token"),
    (("loadbalancer", "service", 4, "fall"), -1, "out of range 1-100"),
    (("loadbalancer", "service", 4, "rise"), 0, "out of range 1-100"),
    (("loadbalancer", "service", 0, "check", "interval"), "0s", "out of range"),
    (("cluster", 0, "transport", "interfaces", 0), "../../tmp", "not a valid interface"),
    (("cluster", 0, "fencing", 0, "params", "plug"), "ff-node1\nstonith_host", "control"),
])
def test_the_injections_the_review_found_are_refused(path, value, message):
    with pytest.raises(NfvdHaError) as error:
        load_text(to_text(mutate(BASE, path, value, False)), "fuzz.toml")
    assert any(message in str(p) for p in error.value.problems), error.value.problems
