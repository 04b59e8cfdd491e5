"""Deploy the health endpoints on a node: a systemd unit, and the guide's xinetd checks on the
same ports taken over (guide 2.8.1.1: NFVD's installer registers the GUI's on 3001; 2.3.6:
operators add SiteScope's on 8898).

The endpoints keep the guide's ports, so load balancer configs written from the guide keep
working. An xinetd service already listening on one of them is never silently shadowed:
``install`` refuses, naming the file, unless told to take it over; then the service is
disabled in place (``disable = yes``) and the original file kept beside it as
``NAME.nfvd-ha-orig`` (xinetd skips file names with a dot). Everything is written together or
nothing is.
"""

import ipaddress
import os
import re
import stat
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ..adapters import systemd
from ..adapters.files import read_text, write_all_atomic
from ..endpoints import ENDPOINTS
from ..errors import NfvdHaError, Problem
from ..paths import XINETD_DIR

#: an xinetd service a port is taken from: (service, port, (its disable line, its closing
#: line))
Hit = tuple[str, int, tuple[int | None, int]]

ORIGINAL = ".nfvd-ha-orig"
MAX_XINETD_FILES = 512

_SERVICE = re.compile(r"^\s*service\s+(\S+)")
_PORT = re.compile(r"^\s*port\s*=\s*(\d+)\s*$")
_DISABLE = re.compile(r"^\s*disable\s*=\s*(\S+)\s*$")


def unit_text(executable: str, endpoints: Sequence[str], bind: str,
              ports: Mapping[str, int]) -> str:
    """The unit that serves ``endpoints`` on ``bind`` (ports: {endpoint: port} overrides)."""
    argv = [executable, "health", "serve"]
    for endpoint in endpoints:
        argv += ["--role", endpoint]
    argv += ["--bind", bind]
    for endpoint, port in sorted(ports.items()):
        argv += ["--port", f"{endpoint}={port}"]
    return systemd.unit_text(f"nfvd-ha health endpoints for the load balancer "
                             f"({', '.join(endpoints)})", argv)


def check_bind(bind: str) -> None:
    """NfvdHaError unless ``bind`` is an IP address."""
    try:
        ipaddress.ip_address(bind)
    except ValueError:
        raise NfvdHaError(Problem("is not an IP address (the node's own, or 0.0.0.0 for all)",
                                  where=f"--bind {bind}")) from None


def xinetd_blocks(text: str) -> list[tuple[str, int | None, int | None, bool, int]]:
    """[(service name, port or None, disable line or None, disabled, closing line)] of an
    xinetd file (line numbers from 0)."""
    blocks: list[tuple[str, int | None, int | None, bool, int]] = []
    current: dict[str, Any] | None = None
    for number, line in enumerate(text.splitlines()):
        found = _SERVICE.match(line)
        if found:
            current = {"name": found.group(1), "port": None, "disable": None, "off": False}
        elif current is not None and (port := _PORT.match(line)):
            current["port"] = int(port.group(1))
        elif current is not None and (disable := _DISABLE.match(line)):
            current["disable"], current["off"] = number, disable.group(1).lower() == "yes"
        elif current is not None and line.strip() == "}":
            blocks.append((current["name"], current["port"], current["disable"],
                           current["off"], number))
            current = None
    return blocks


def xinetd_services_on(ports: Collection[int], directory: str = XINETD_DIR
                       ) -> dict[str, tuple[str, list[Hit]]]:
    """{path: (text, [(service, port, closing line)])} of enabled xinetd services on ``ports``."""
    found: dict[str, tuple[str, list[Hit]]] = {}
    try:
        names = sorted(os.listdir(directory))[:MAX_XINETD_FILES]
    except FileNotFoundError:
        return found
    except OSError as exc:
        raise NfvdHaError(Problem(f"cannot be listed: {os.strerror(exc.errno or 0)}",
                                  directory)) from None
    for name in names:
        path = os.path.join(directory, name)
        try:
            regular = stat.S_ISREG(os.lstat(path).st_mode)
        except OSError:
            continue
        if "." in name or name.endswith("~") or not regular:
            continue  # xinetd reads neither
        text = read_text(path)
        hits = [(service, port, (disable, end))
                for service, port, disable, off, end in xinetd_blocks(text)
                if port is not None and port in ports and not off]
        if hits:
            found[path] = (text, hits)
    return found


def disabled_copy(text: str, hits: Sequence[Hit]) -> str:
    """``text`` with each hit service block's ``disable`` set to yes (xinetd has whole-line
    comments only: the note goes on its own line)."""
    lines = text.splitlines()
    for _, _, (disable, end) in sorted(hits, key=lambda hit: -hit[2][1]):
        setting = ["\t# nfvd-ha health serves this port (see NAME.nfvd-ha-orig)",
                   "\tdisable         = yes"]
        if disable is None:
            lines[end:end] = setting
        else:
            lines[disable:disable + 1] = setting
    return "\n".join(lines) + "\n"


def install(path: str, executable: str, endpoints: Sequence[str], bind: str,
            ports: Mapping[str, int], take_over: bool = False,
            directory: str = XINETD_DIR) -> list[str]:
    """Write the unit (and the xinetd files taken over); returns what was done, in words."""
    check_bind(bind)
    served = {name: ports.get(name, ENDPOINTS[name].port) for name in endpoints}
    by_port = {port: name for name, port in served.items()}
    taken = xinetd_services_on(set(by_port), directory)
    if taken and not take_over:
        raise NfvdHaError(
            [Problem(f"xinetd service {service} listens on {port}, the {by_port[port]} "
                     "endpoint's port", file) for file, (_, hits) in taken.items()
             for service, port, _ in hits],
            hint="--take-over-xinetd disables it (the original is kept as NAME"
                 f"{ORIGINAL}), or --port ROLE=PORT serves elsewhere; nothing was written")
    files = [(path, unit_text(executable, endpoints, bind, ports), 0o644)]
    done = [f"installed {path}"]
    for file, (text, hits) in sorted(taken.items()):
        mode = stat.S_IMODE(os.lstat(file).st_mode)
        if not os.path.lexists(file + ORIGINAL):
            files.append((file + ORIGINAL, text, mode))
        files.append((file, disabled_copy(text, hits), mode))
        done += [f"disabled xinetd service {service} on port {port} in {file} (original: "
                 f"{file}{ORIGINAL}); run: systemctl reload xinetd" for service, port, _ in hits]
    write_all_atomic(files)
    unit = os.path.basename(path)
    return done + [f"then: systemctl daemon-reload && systemctl enable --now {unit}"]
