#!/usr/bin/env python3
"""The RPM's bundled dependencies (packaging/bundled.txt): fetched from PyPI, checked against
their pinned SHA-256, and put into the package's private tree.

  python3 packaging/bundle.py fetch [--dir DIR]
      download with pip (--require-hashes) what DIR (default packaging/bundled/) lacks
  python3 packaging/bundle.py install ROOT [--dir DIR]
      unpack into ROOT/usr/lib/nfvd-ha, each licence into ROOT/usr/share/licenses/nfvd-ha/NAME/;
      print "NAME VERSION" per dependency (the RPM's Provides: bundled(python3dist(NAME)))

What runs is taken, nothing else: a wheel's files as pip would install them (click); from an
sdist, the Python 3 module it would install (pyinotify: python3/pyinotify.py; PyPI has no
wheel of it) with its PKG-INFO as the dist-info's METADATA. Never on the agents' path: the
agents' runtime under /usr/lib/ocf/lib/nfvd stays standard library only.
"""
import argparse
import hashlib
import io
import os
import re
import stat
import subprocess
import sys
import tarfile
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PINS = os.path.join(HERE, "bundled.txt")
DIR = os.path.join(HERE, "bundled")
PRIVATE = "usr/lib/nfvd-ha"
LICENSES = "usr/share/licenses/nfvd-ha"
MAX_BYTES = 16 << 20
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([A-Za-z0-9_.+!-]+)\s+--hash=sha256:([0-9a-f]{64})$")
#: from an sdist: {name: ({member under NAME-VERSION/: path under the private tree}, licence)}
SDISTS = {"pyinotify": ({"python3/pyinotify.py": "pyinotify.py"}, "COPYING")}


def pins(path: str = PINS) -> list[tuple[str, str, str]]:
    """[(name, version, sha256)] of bundled.txt."""
    found: list[tuple[str, str, str]] = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        pin = PIN.match(line.strip())
        if not pin:
            raise SystemExit(f"Error: {path} line {number}: expected NAME==VERSION "
                             "--hash=sha256:HEX")
        name, version, digest = pin.groups()
        found.append((name, version, digest))
    return found


def read_capped(path: str) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise SystemExit(f"Error: {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        found = os.fstat(f.fileno())
        if not stat.S_ISREG(found.st_mode) or found.st_size > MAX_BYTES:
            raise SystemExit(f"Error: {path}: not a regular file of at most {MAX_BYTES} bytes")
        return f.read(MAX_BYTES + 1)


def located(directory: str, name: str, version: str, digest: str) -> tuple[str, bytes] | None:
    """(path, bytes) of the file in ``directory`` whose SHA-256 is NAME==VERSION's pinned one
    (the hash names the file: PyPI serves one file per hash), or None."""
    for entry in sorted(os.listdir(directory)) if os.path.isdir(directory) else ():
        path = os.path.join(directory, entry)
        if entry.endswith((".whl", ".tar.gz")) and not os.path.islink(path):
            data = read_capped(path)
            if hashlib.sha256(data).hexdigest() == digest:
                return path, data
    return None


def fetch(directory: str) -> None:
    missing = [pin for pin in pins() if located(directory, *pin) is None]
    if not missing:
        return
    os.makedirs(directory, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as wanted:
        wanted.write("".join(f"{n}=={v} --hash=sha256:{h}\n" for n, v, h in missing))
        wanted.flush()
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                               "--require-hashes", "-r", wanted.name, "-d", directory],
                              timeout=600)
    if done.returncode != 0:
        raise SystemExit("Error: pip download of the bundled dependencies failed")
    still = [n for n, v, h in missing if located(directory, n, v, h) is None]
    if still:
        raise SystemExit(f"Error: {directory}: no file of {', '.join(still)} with the pinned "
                         "SHA-256")


def _write(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o644)


def _safe(member: str) -> str:
    parts = member.split("/")
    if member.startswith("/") or ".." in parts or "" in parts[:-1]:
        raise SystemExit(f"Error: archive member {member!r}: not a relative path inside it")
    return member


def from_wheel(data: bytes, name: str, root: str) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        for info in wheel.infolist():
            if info.is_dir():
                continue
            member = _safe(info.filename)
            content = wheel.read(info)
            _write(os.path.join(root, PRIVATE, member), content)
            if re.fullmatch(r"[^/]+\.dist-info/(LICEN[CS]E|COPYING)[^/]*", member):
                _write(os.path.join(root, LICENSES, name, os.path.basename(member)), content)


def from_sdist(data: bytes, name: str, version: str, root: str) -> None:
    modules, licence = SDISTS[name]
    top = f"{name}-{version}/"
    wanted = {top + m: os.path.join(PRIVATE, t) for m, t in modules.items()}
    wanted[top + licence] = os.path.join(LICENSES, name, licence)
    wanted[top + "PKG-INFO"] = os.path.join(PRIVATE, f"{name}-{version}.dist-info", "METADATA")
    found: set[str] = set()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as sdist:
        for member in sdist.getmembers():
            content = sdist.extractfile(member) if member.isfile() else None
            if member.name in wanted and content is not None:
                _write(os.path.join(root, wanted[member.name]), content.read(MAX_BYTES))
                found.add(member.name)
    if found != set(wanted):
        raise SystemExit(f"Error: {name}-{version}: the sdist lacks "
                         f"{', '.join(sorted(set(wanted) - found))}")


def install(root: str, directory: str) -> None:
    """Unpack every pinned file into ``root``; nothing when one is missing or differs."""
    found: list[tuple[str, str, str, bytes]] = []
    for name, version, digest in pins():
        got = located(directory, name, version, digest)
        if got is None:
            raise SystemExit(f"Error: {directory}: no {name}=={version} with the pinned SHA-256 "
                             "(run: python3 packaging/bundle.py fetch)")
        found.append((name, version, *got))
    for name, version, path, data in found:
        if path.endswith(".whl"):
            from_wheel(data, name, root)
        else:
            from_sdist(data, name, version, root)
        print(name, version)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("fetch").add_argument("--dir", default=DIR)
    into = sub.add_parser("install")
    into.add_argument("root")
    into.add_argument("--dir", default=DIR)
    args = parser.parse_args(argv)
    if args.action == "fetch":
        fetch(args.dir)
    else:
        install(args.root, args.dir)


if __name__ == "__main__":
    main()
