"""The README and docs/ say what is true of the code: the README's two commands stay first and
unchanged (CI runs its test command), every link between the pages leads somewhere, and every
`nfvd-ha` command line in a code block names a command and options the CLI has."""

import glob
import os
import re
import shlex

import click

from nfvd_ha.cli import main

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAGES = [os.path.join(REPO, "README.md")] + sorted(
    glob.glob(os.path.join(REPO, "docs", "**", "*.md"), recursive=True))
LINK = re.compile(r"\]\(([^)\s]+)\)")
BLOCK = re.compile(r"^ *```(?:sh|bash)?\n(.*?)^ *```", re.S | re.M)
INLINE = re.compile(r"`([^`\n]+)`")

COMMANDS = """\
```sh
# 1. set up, then run the main job on the built-in example (the guide's reference topology)
bash .ci/setup && nfvd-ha example > nfvd.toml && nfvd-ha validate nfvd.toml && nfvd-ha render nfvd.toml --out out/

# 2. run the whole test suite (lint and types, unit, agents on real namespaces/mounts, Docker cluster lab)
bash .ci/setup && python3 -m pytest
```"""  # noqa: E501 (as the README has them)


def read(path):
    with open(path, encoding="utf-8") as page:
        return page.read()


def test_the_two_commands_come_first_and_unchanged():
    readme = read(os.path.join(REPO, "README.md"))
    assert readme.index(COMMANDS) < readme.index("\n## ")
    assert readme.index(COMMANDS) == readme.index("```")  # the first code block
    ci = read(os.path.join(REPO, ".ci", "run"))
    assert "bash .ci/setup\npython3 -m pytest -p no:cacheprovider\n" in ci


def test_the_readme_is_short():
    assert len(read(os.path.join(REPO, "README.md")).splitlines()) <= 200


def test_every_link_between_the_pages_leads_to_a_file():
    broken = []
    for page in PAGES:
        for target in LINK.findall(INLINE.sub("", read(page))):
            if re.match(r"^[a-z]+:", target) or target.startswith("#"):
                continue  # another site, or a place in this page
            path = os.path.normpath(os.path.join(os.path.dirname(page), target.split("#")[0]))
            if not os.path.exists(path):
                broken.append(f"{os.path.relpath(page, REPO)}: {target}")
    assert broken == []


def command_lines():
    """(page, line) of every nfvd-ha command in a code block or span of the README and
    docs/."""
    for page in PAGES:
        text = read(page)
        blocks = BLOCK.findall(text)
        spans = INLINE.findall(BLOCK.sub("", text))
        for block in blocks + spans:
            for line in block.splitlines():
                line = line.replace("\\|", "|")  # a table's escaped bar
                for part in re.split(r"&&|\|\||;| \| ", line.split(" #")[0]):
                    words = part.strip().split()
                    while words and "=" in words[0] and not words[0].startswith("-"):
                        words = words[1:]  # VAR=value before the command
                    if words and words[0] == "nfvd-ha":
                        yield os.path.relpath(page, REPO), " ".join(words)


def resolve(words):
    """The click command a command line names, and the words left for it."""
    command, ctx = main, click.Context(main, info_name="nfvd-ha")
    words = list(words)
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        sub = command.get_command(ctx, words[0])
        if sub is None:
            break
        command, words = sub, words[1:]
        ctx = click.Context(command, parent=ctx, info_name=command.name)
    return command, words


def test_every_nfvd_ha_command_in_the_docs_exists_with_its_options():
    lines = list(command_lines())
    assert len(lines) > 100  # the docs are full of them: the parser found them
    wrong = []
    for page, line in lines:
        words = [w.strip("[]") for w in shlex.split(line.replace("...", ""), posix=False)]
        for variant in variants(words[1:]):
            wrong += check(page, line, variant)
    assert wrong == []


def variants(words):
    """``upgrade check|begin|end`` is three command lines."""
    if words and "|" in words[0] and not words[0].startswith("-"):
        return [[choice] + rest for choice in words[0].split("|")
                for rest in variants(words[1:])]
    if not words:
        return [[]]
    return [[words[0]] + rest for rest in variants(words[1:])]


def check(page, line, words):
    """What is wrong with one command line: a command or an option the CLI does not have."""
    command, rest = resolve(words)
    if isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        return [f"{page}: {line}: no command '{rest[0]}'"]
    known = {opt for param in command.params for opt in param.opts} | {"--help"}
    return [f"{page}: {line}: no option {name} of {command.name}"
            for word in rest for option in word.split("|")
            for name in [option.split("=")[0]]
            if name.startswith("--") and name not in known]
