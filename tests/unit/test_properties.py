"""Property-based: random and mutated definitions never give a traceback or partial output."""

import json
import os
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from nfvd_ha.commands import render
from nfvd_ha.cli import main
from nfvd_ha.definition import EXAMPLE
from nfvd_ha.definition import load_text
from nfvd_ha.errors import NfvdHaError

from helpers.definitions import to_text

BASE = tomllib.loads(Path(EXAMPLE).read_text())
scalars = st.one_of(st.integers(-5, 70000), st.booleans(), st.text(max_size=12),
                    st.sampled_from(["1s", "250ms", "10.0.0.1", "eth0", "vip", "ff-node1",
                                     "nfs", "", "0", "-1s"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6)


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


# --- import-heartbeat: any ha.cf / haresources is imported or reported, never a traceback --
HB_WORDS = st.one_of(
    st.sampled_from(["a", "b", "eth0", "10.0.0.1", "10.0.0.2", "fd00::1", "694", "on", "off",
                     "failback", "2", "30", "500ms", "local0", "225.0.0.1", "1", "0", "-1",
                     "\\", "#", "::", "yes", "legacy", "/var/log/ha-log"]),
    st.text(max_size=8), st.from_regex(r"[0-9]{1,12}(ms|s)?", fullmatch=True),
    st.just("9" * 5000))
HB_DIRECTIVES = st.one_of(st.sampled_from(
    ["node", "ucast", "bcast", "mcast", "udpport", "auto", "auto_failback", "keepalive",
     "deadtime", "warntime", "initdead", "logfacility", "logfile", "crm", "baud", "serial"]),
    st.text(max_size=6))
HA_CF = st.one_of(st.lists(st.tuples(HB_DIRECTIVES, st.lists(HB_WORDS, max_size=6)),
                           max_size=10).map(lambda lines: "\n".join(
                               " ".join([d] + w) for d, w in lines) + "\n"),
                  st.text(max_size=200))
HB_RESOURCES = st.one_of(
    st.sampled_from(["IPaddr::10.0.0.100/24/eth0:0", "IPaddr2::10.0.0.101/24/eth0",
                     "Filesystem::nfs-server:/data::/var/opt/UCA-EBC::nfs",
                     "Filesystem::/dev/sdb1::/data", "activator-ep", "nfvd", "10.0.0.5",
                     "IPaddr::", "x::y::z", "IPaddr::fd00::5/64", "Filesystem::a::b::c::d",
                     "httpd", "\\"]), st.text(max_size=10))
HARESOURCES = st.one_of(
    st.lists(st.tuples(st.sampled_from(["a", "b", "c", ""]), st.lists(HB_RESOURCES,
                                                                       max_size=4)),
             max_size=3).map(lambda lines: "\n".join(" ".join([n] + r) for n, r in lines)),
    st.text(max_size=200))


@settings(max_examples=150, deadline=None)
@given(HA_CF, HARESOURCES, st.booleans())
def test_any_heartbeat_files_are_imported_or_reported(ha_cf, haresources, addresses):
    from heartbeat_compat.importer import import_heartbeat
    given_addresses = {"a": "10.0.0.1", "b": "10.0.0.2"} if addresses else None
    try:
        text = import_heartbeat({"ha.cf": "node a\nnode b\n" + ha_cf if addresses else ha_cf,
                                 "haresources": haresources}, "/etc/ha.d", None,
                                given_addresses)
    except NfvdHaError as error:
        assert error.problems and all(str(p) and "\n" not in str(p) for p in error.problems)
        return
    try:
        load_text(text, "<imported>")
    except NfvdHaError as error:
        assert error.problems and all(str(p) for p in error.problems)


# --- numbers of any size, written any way TOML allows ----------------------------------
EXAMPLE_TEXT = Path(EXAMPLE).read_text()
NUMBERS = [m.span() for m in __import__("re").finditer(r"(?<=[=\[,] )-?[0-9]+(?=[ ,}\]\n])",
                                                       EXAMPLE_TEXT)]
NUMBER_TOKENS = st.one_of(
    st.from_regex(r"-?[0-9]{1,30}", fullmatch=True), st.just("9" * 5000),
    st.just("-" + "9" * 4301), st.just("0x" + "f" * 5000), st.just("0o" + "7" * 3000),
    st.just("0b" + "1" * 200), st.sampled_from(["inf", "-inf", "nan", "1e400", "1.5", "-0",
                                                "9_223_372_036_854_775_808", "0x7fffffff"]))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(NUMBERS), NUMBER_TOKENS)
def test_any_number_anywhere_is_validated_or_reported(span, token):
    """validate on a 5000-digit integer was a traceback."""
    build_or_error(EXAMPLE_TEXT[:span[0]] + token + EXAMPLE_TEXT[span[1]:])
