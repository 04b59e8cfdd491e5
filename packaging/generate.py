#!/usr/bin/env python3
"""What the packages carry that is generated from the code at build time, so it cannot drift:

  python3 packaging/generate.py OUT_DIR [--date YYYY-MM-DD] [--version VERSION]

  OUT_DIR/man8/nfvd-ha.8          the CLI, every command and option, from the click tree
  OUT_DIR/man7/ocf_nfvd_NAME.7    one page per agent, from its OCF meta-data (the agent's own
                                  meta-data action), as resource-agents ships ocf_heartbeat_*(7)
  OUT_DIR/bash-completion/nfvd-ha click's bash completion for nfvd-ha

The pages' date: --date, else SOURCE_DATE_EPOCH, else the last commit's (never the build's
day: two builds of one commit are the same bytes).
"""
import argparse
import configparser
import contextlib
import datetime
import inspect
import io
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import click  # noqa: E402
from click.shell_completion import BashComplete  # noqa: E402

import agents  # noqa: E402
from nfvd_ha import paths  # noqa: E402
from nfvd_ha.cli import main as cli  # noqa: E402
from nfvd_ocf.runtime import run as run_agent  # noqa: E402

PROG = "nfvd-ha"
COMPLETE_VAR = "_NFVD_HA_COMPLETE"
PROVIDER = "nfvd"

#: (paths.py name, what it is), in the order FILES lists them
FILES = (
    ("DEFINITION", "this node's copy of the definition (GUI and SiteScope VMs find their "
                   "peers in it)"),
    ("LOCK", "the maintenance lock of the guide (4.2, 4.4): while it exists, the node is in "
             "maintenance in place"),
    ("RECORD", "what maintenance did on this node, written before each step"),
    ("CONTROLLER_UNIT", "the controller's unit written by nfvd-ha controller install-unit"),
    ("HEALTH_UNIT", "the health endpoints' unit written by nfvd-ha health install-unit"),
    ("HEALTH_ENV", "where the packages' nfvd-ha-health@ROLE.service listens: BIND=ADDRESS, "
                   "and OPTIONS= for more of nfvd-ha health serve's options (--port "
                   "ROLE=PORT); the unit does not start without it"),
    ("SUPERVISE_UNIT", "the supervisor's unit written by nfvd-ha supervise install-unit"),
    ("COROSYNC_CONF", "written by nfvd-ha node setup"),
    ("COROSYNC_AUTHKEY", "written by nfvd-ha node setup"),
)
#: what an OCF action does, for the agents' pages (the OCF 1.1 standard actions)
ACTIONS = {
    "start": "Starts the resource.",
    "stop": "Stops the resource.",
    "monitor": "Checks the resource's state.",
    "status": "Checks the resource's state (the monitor, for old callers).",
    "promote": "Promotes the resource.",
    "demote": "Demotes the resource.",
    "notify": "Takes a notification about the resource's clone instances.",
    "reload": "Applies changed parameters without a restart.",
    "reload-agent": "Applies changed reloadable parameters.",
    "migrate_to": "Migrates the resource to another node.",
    "migrate_from": "Completes a migration to this node.",
    "meta-data": "Prints the agent's meta-data (what this page is made from).",
    "validate-all": "Checks the parameters.",
}


# --- roff ---------------------------------------------------------------------------------

def roff(text: str) -> str:
    """``text`` as roff text lines (backslashes and hyphens escaped; a line starting with a
    control character made text; `code` in bold)."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    text = re.sub(r"`([^`\n]+)`", r"\\fB\1\\fR", text)
    return "\n".join("\\&" + line if line.startswith((".", "'")) else line
                     for line in text.split("\n"))


def paragraphs(text: str) -> list[str]:
    """click's help text as roff paragraphs (a paragraph opened by \\b keeps its lines)."""
    text = inspect.cleandoc(text).split("\f")[0]
    out = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        if paragraph.startswith("\b"):
            out += [".PP", ".nf", roff(paragraph[1:].strip("\n")), ".fi"]
        elif paragraph.strip():
            out += [".PP", roff(paragraph.strip())]
    return out


def title(name: str, section: int, date: str, version: str, manual: str) -> list[str]:
    return [f'.TH "{name.upper()}" "{section}" "{date}" "nfvd-ha {version}" "{manual}"',
            ".nh", ".ad l"]


# --- nfvd-ha(8) -----------------------------------------------------------------------------

def commands(command: click.Command, ctx: click.Context
             ) -> list[tuple[click.Command, click.Context]]:
    """[(command, context)] of ``command`` and every command under it, depth first."""
    found = [(command, ctx)]
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                found += commands(sub, click.Context(sub, info_name=name, parent=ctx))
    return found


def option_lines(command: click.Command, ctx: click.Context) -> list[str]:
    lines = []
    help_option = command.get_help_option(ctx)
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None or param is help_option or getattr(param, "hidden", False):
            continue
        names, text = record
        lines += [".TP", re.sub(r"(^|, | / )(\S+)( .+?)?(?=, | / |$)", _option_name, names)]
        lines.append(roff(text) if text else "")
    return [line for line in lines if line != ""]


def _option_name(found: re.Match[str]) -> str:
    name = f"\\fB{roff(found.group(2))}\\fR"
    metavar = f" \\fI{roff(found.group(3).strip())}\\fR" if found.group(3) else ""
    return found.group(1) + name + metavar


def command_lines(command: click.Command, ctx: click.Context) -> list[str]:
    usage = " ".join([ctx.command_path, *command.collect_usage_pieces(ctx)])
    heading = roff(usage).replace('"', "\\(dq")  # inside the macro's quoted argument
    lines = [f'.SS "{heading}"', *paragraphs(command.help or "")]
    options = option_lines(command, ctx)
    if options:
        lines += [".PP", "Options:", ".RS 4", *options, ".RE"]
    return lines


def environment_lines(found: list[tuple[click.Command, click.Context]]) -> list[str]:
    """ENVIRONMENT: every option that reads a variable, from the click tree."""
    by_var: dict[str, list[str]] = {}
    for command, ctx in found:
        for param in command.get_params(ctx):
            for var in [param.envvar] if isinstance(param.envvar, str) else param.envvar or ():
                by_var.setdefault(var, []).append(f"{ctx.command_path} {param.opts[-1]}")
    lines = []
    for var, users in sorted(by_var.items()):
        lines += [".TP", f"\\fB{roff(var)}\\fR", roff("The default of " + ", ".join(users)
                                                       + ".")]
    return lines


def cli_page(date: str, version: str) -> str:
    root = click.Context(cli, info_name=PROG)
    found = commands(cli, root)
    lines = title(PROG, 8, date, version, "System Administration")
    lines += [".SH NAME", f"{PROG} \\- {roff((cli.help or '').splitlines()[0].rstrip('.'))}",
              ".SH SYNOPSIS", f".B {roff(PROG)}",
              "[\\fB\\-\\-version\\fR] [\\fB\\-\\-help\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]...",
              ".SH DESCRIPTION", *paragraphs(cli.help or ""),
              ".PP", roff("One definition (TOML) describes the platform: its clusters, nodes, "
                          "services and load balancer; nfvd-ha checks it (`validate`), "
                          "renders the CIB, corosync.conf, heartbeat, HAProxy and F5 "
                          "configurations from it (`render`), sets up a node (`node setup`) "
                          "and changes a running cluster (`plan`, `apply`). Every command "
                          "takes --help."),
              ".SH COMMANDS"]
    for command, ctx in found[1:]:
        lines += command_lines(command, ctx)
    lines += [".SH EXIT STATUS", ".TP", "0", "Success.", ".TP", "1",
              roff("An error: one `Error: ...` line per problem on standard error (the file, "
                   "field and problem), perhaps a `Hint: ...` line; nothing was written."),
              ".TP", "2", "A usage error (an unknown option or command, a missing argument)."]
    lines += [".SH ENVIRONMENT", *environment_lines(found)]
    lines += [".SH FILES"]
    for name, what in FILES:
        lines += [".TP", f"\\fI{roff(getattr(paths, name))}\\fR", roff(what + ".")]
    lines += [".TP", f"\\fI{roff(paths.OCF_ROOT)}/resource.d/{PROVIDER}/\\fR",
              roff("the OCF agents (ocf:nfvd:*), installed by the package or "
                   "`nfvd-ha agents install`."),
              ".TP", "\\fInfvd\\-ha\\-controller.service\\fR, "
              "\\fInfvd\\-ha\\-health@.service\\fR",
              roff("the units the packages install in the system's unit directory: the "
                   "controller, and the health endpoint of one role per instance "
                   "(systemctl enable --now nfvd-ha-health@gui.service)."),
              ".TP", "\\fI/usr/share/doc/nfvd\\-ha/\\fR",
              roff("the README, the reference definition and the guide: operator/ (install, "
                   "the definition and its every key, node setup, plan and apply, "
                   "maintenance, upgrade, migration, backup, troubleshooting, the runbook "
                   "map), design/ and evidence/.")]
    lines += [".SH SEE ALSO", ", ".join(
        [f"\\fBocf_{PROVIDER}_{roff(name)}\\fR(7)" for name in sorted(agents.AGENTS)]
        + ["\\fBcrm\\fR(8)", "\\fBpcs\\fR(8)", "\\fBcrm_mon\\fR(8)",
           "\\fBcorosync.conf\\fR(5)", "\\fBcorosync\\-qdevice\\fR(8)",
           "\\fBsystemctl\\fR(1)"])]
    return "\n".join(lines) + "\n"


# --- ocf_nfvd_NAME(7) -----------------------------------------------------------------------

def metadata(name: str) -> str:
    """The agent's meta-data, as its meta-data action prints it to an OCF 1.1 caller."""
    module = __import__(f"agents.{agents.AGENTS[name]}", fromlist=["AGENT"])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = run_agent(module.AGENT, [name, "meta-data"],
                       {"OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1"})
    if rc != 0:
        raise SystemExit(f"Error: {name} meta-data: exit code {rc}")
    return out.getvalue()


def _text(element: ElementTree.Element, tag: str) -> str:
    found = element.find(tag)
    return " ".join((found.text or "").split()) if found is not None else ""


def parameter_lines(parameter: ElementTree.Element) -> list[str]:
    content = parameter.find("content")
    kind = content.get("type", "string") if content is not None else "string"
    default = content.get("default") if content is not None else None
    facts = ["required" if parameter.get("required") == "1" else "optional", kind,
             "no default" if default is None else f'default "{default}"']
    if parameter.get("unique-group"):
        facts.append(f"unique in group {parameter.get('unique-group')}")
    elif parameter.get("unique") == "1":
        facts.append("unique")
    if parameter.get("reloadable") == "1":
        facts.append("reloadable")
    options = [o.get("value", "") for o in (content if content is not None else [])]
    if options:
        facts.append("one of: " + ", ".join(options))
    longdesc, shortdesc = _text(parameter, "longdesc"), _text(parameter, "shortdesc")
    return [".PP", f"\\fB{roff(parameter.get('name', ''))}\\fR", ".RS 4",
            roff(shortdesc + (". " if not shortdesc.endswith(".") else " ") + longdesc
                 if longdesc and longdesc != shortdesc else shortdesc),
            ".sp", roff("(" + ", ".join(facts) + ")"), ".RE"]


def action_lines(action: ElementTree.Element) -> list[str]:
    name = action.get("name", "")
    words = [ACTIONS.get(name, ""), f"Suggested minimum timeout: {action.get('timeout')}."]
    if action.get("interval"):
        words.append(f"Suggested interval: {action.get('interval')}.")
    if action.get("depth") not in (None, "0"):
        words.append(f"Depth (OCF_CHECK_LEVEL): {action.get('depth')}.")
    if action.get("role"):
        words.append(f"Role: {action.get('role')}.")
    return [".PP", f"\\fB{roff(name)}\\fR", ".RS 4", roff(" ".join(w for w in words if w)),
            ".RE"]


def example_lines(name: str, agent: ElementTree.Element, tool: str) -> list[str]:
    """A resource of this agent configured with crm or pcs: required parameters, monitors."""
    required = [p.get("name", "") for p in agent.iterfind("parameters/parameter")
                if p.get("required") == "1"]
    monitors = [a for a in agent.iterfind("actions/action") if a.get("name") == "monitor"]
    resource = f"ocf:{PROVIDER}:{name}"
    if tool == "crm":
        lines = [f"primitive p_{name} {resource} \\e", "  params \\e"]
        lines += [f"    {p}=\\fIvalue\\fR \\e" for p in required]
        ops = [f'  op monitor timeout="{a.get("timeout")}" interval="{a.get("interval")}"'
               + (f' depth="{a.get("depth")}"' if a.get("depth") else "") for a in monitors]
    else:
        lines = [f"pcs resource create p_{name} {resource} \\e"]
        lines += [f"  {p}=\\fIvalue\\fR \\e" for p in required]
        ops = [f'  op monitor timeout="{a.get("timeout")}" interval="{a.get("interval")}"'
               + (f' OCF_CHECK_LEVEL="{a.get("depth")}"' if a.get("depth") else "")
               for a in monitors]
    lines += [op + " \\e" for op in ops[:-1]] + ops[-1:]
    if not ops:
        lines[-1] = lines[-1].removesuffix(" \\e")
    return [".PP", ".RS 4", ".nf", *[line.replace("-", "\\-") for line in lines], ".fi",
            ".RE"]


def agent_page(name: str, date: str, version: str) -> str:
    agent = ElementTree.fromstring(metadata(name))
    page = f"ocf_{PROVIDER}_{name}"
    actions = list(dict.fromkeys(a.get("name", "") for a in agent.iterfind("actions/action")))
    lines = title(page, 7, date, version, "OCF resource agents")
    lines += [".SH NAME", f"{roff(page)} \\- {roff(_text(agent, 'shortdesc'))}",
              ".SH SYNOPSIS", f"\\fB{roff(name)}\\fR [{roff(' | '.join(actions))}]",
              ".SH DESCRIPTION", ".PP", roff(_text(agent, "longdesc")),
              ".PP", roff(f"Pacemaker runs it as ocf:{PROVIDER}:{name} from "
                          f"{paths.OCF_ROOT}/resource.d/{PROVIDER}/{name}. `nfvd-ha render` "
                          "writes the resources that use it from the definition; the "
                          "examples below show the agent alone."),
              ".SH SUPPORTED PARAMETERS"]
    for parameter in agent.iterfind("parameters/parameter"):
        lines += parameter_lines(parameter)
    lines += [".SH SUPPORTED ACTIONS", ".PP",
              "This resource agent supports the following actions (operations):"]
    for action in agent.iterfind("actions/action"):
        lines += action_lines(action)
    lines += [".SH EXAMPLE CRM SHELL", ".PP",
              f"A {roff(name)} resource configured with \\fBcrm\\fR(8):",
              *example_lines(name, agent, "crm"),
              ".SH EXAMPLE PCS", ".PP",
              f"A {roff(name)} resource configured with \\fBpcs\\fR(8):",
              *example_lines(name, agent, "pcs"),
              ".SH SEE ALSO", "\\fBnfvd\\-ha\\fR(8), \\fBcrm\\fR(8), \\fBpcs\\fR(8), "
              "\\fBocf\\-tester\\fR(8)"]
    return "\n".join(lines) + "\n"


# --- bash completion --------------------------------------------------------------------------

def completion() -> str:
    """click's bash completion script for nfvd-ha (it asks nfvd-ha itself for the words)."""
    return BashComplete(cli, {}, PROG, COMPLETE_VAR).source()


# --- main -----------------------------------------------------------------------------------

def build_date(given: str | None = None) -> str:
    if given:
        return given
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        done = subprocess.run(["git", "-C", REPO, "log", "-1", "--format=%ct"],
                              capture_output=True, text=True, timeout=30)
        epoch = done.stdout.strip() if done.returncode == 0 else ""
    if not epoch.isdigit():
        raise SystemExit("Error: no date for the pages: give --date or SOURCE_DATE_EPOCH")
    return datetime.datetime.fromtimestamp(int(epoch), datetime.UTC).strftime(
        "%Y-%m-%d")


def project_version() -> str:
    config = configparser.ConfigParser()
    config.read(os.path.join(REPO, "setup.cfg"))
    return config["metadata"]["version"]


def generated(date: str, version: str) -> dict[str, str]:
    """{relative path: text} of everything this writes."""
    files = {"man8/nfvd-ha.8": cli_page(date, version),
             "bash-completion/nfvd-ha": completion()}
    for name in sorted(agents.AGENTS):
        files[f"man7/ocf_{PROVIDER}_{name}.7"] = agent_page(name, date, version)
    return files


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--date", help="YYYY-MM-DD on the pages")
    parser.add_argument("--version", default=None, help="default: setup.cfg's")
    args = parser.parse_args(argv)
    if args.date and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", args.date):
        raise SystemExit(f"Error: --date {args.date}: expected YYYY-MM-DD")
    files = generated(build_date(args.date), args.version or project_version())
    for relative, text in files.items():
        path = os.path.join(args.out, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(path)


if __name__ == "__main__":
    main()
