"""OCF 1.1 meta-data XML rendered from an agent's declaration (deterministic)."""

from .declaration import Action, Agent, Param

TYPE_CHECKING = False  # (the typing module is slow to import: names for mypy only)
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

# Not xml.sax.saxutils: it imports urllib.request and http.client (~50 ms), and Pacemaker
# asks a node for meta-data right before the first start of each agent there (failover).
_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))


def escape(text: str) -> str:
    for char, entity in _ENTITIES:
        text = text.replace(char, entity)
    return text


def quoteattr(value: str) -> str:
    return '"' + escape(value).replace('"', "&quot;").replace("\n", "&#10;") + '"'


def _attrs(pairs: "Iterable[tuple[str, object]]") -> str:
    return "".join(f" {k}={quoteattr(str(v))}" for k, v in pairs if v is not None)


def _param_xml(p: Param, v11: bool) -> str:
    attrs = [("name", p.name), ("required", "1" if p.required else "0")]
    if p.unique_group:
        attrs.append(("unique-group", p.unique_group) if v11 else ("unique", "1"))
    if p.reloadable and v11:
        attrs.append(("reloadable", "1"))
    if not v11 and p.type == "select":
        p = _as_string(p)
    default = p.default
    if isinstance(default, bool):
        default = "true" if default else "false"
    content = _attrs([("type", p.type), ("default", default)])
    options = "".join(f'<option value={quoteattr(o)}/>' for o in p.options)
    return (f"<parameter{_attrs(attrs)}>\n"
            f'<longdesc lang="en">{escape(p.longdesc or p.shortdesc)}</longdesc>\n'
            f'<shortdesc lang="en">{escape(p.shortdesc)}</shortdesc>\n'
            + (f"<content{content}>{options}</content>\n" if options else f"<content{content}/>\n")
            + "</parameter>\n")


def _action_xml(a: Action) -> str:
    attrs = [("name", a.name), ("timeout", f"{a.timeout}s")]
    if a.interval is not None:
        attrs.append(("interval", f"{a.interval}s"))
    if a.depth is not None:
        attrs.append(("depth", str(a.depth)))
    if a.role is not None:
        attrs.append(("role", a.role))
    return f"<action{_attrs(attrs)}/>\n"


def _as_string(p: Param) -> Param:
    return p.replace(type="string", options=(),
                   longdesc=f"{p.longdesc or p.shortdesc} One of: {', '.join(p.options)}.")


def wants_v11(env: "Mapping[str, str]") -> bool:
    """OCF 1.1 callers (Pacemaker 2.1 sets OCF_RA_VERSION_MAJOR/MINOR) get 1.1 meta-data.

    Callers that do not say (ocf-tester, whose ra-api-1.dtd is OCF 1.0) get the same
    declaration in 1.0 form: unique-group becomes unique="1", reloadable is left out and
    select becomes string, so both validators accept what they are given.
    """
    try:
        return (int(env.get("OCF_RA_VERSION_MAJOR", "0")),
                int(env.get("OCF_RA_VERSION_MINOR", "0"))) >= (1, 1)
    except ValueError:
        return False


def render_metadata(agent: Agent, v11: bool = True) -> str:
    doctype = "" if v11 else '<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">\n'
    return ('<?xml version="1.0"?>\n' + doctype +
            f'<resource-agent name="{agent.name}" version="{agent.version}">\n'
            f"<version>{'1.1' if v11 else '1.0'}</version>\n"
            f'<longdesc lang="en">{escape(agent.longdesc)}</longdesc>\n'
            f'<shortdesc lang="en">{escape(agent.shortdesc)}</shortdesc>\n'
            "<parameters>\n" + "".join(_param_xml(p, v11) for p in agent.params) + "</parameters>\n"
            "<actions>\n" + "".join(_action_xml(a) for a in agent.actions) + "</actions>\n"
            "</resource-agent>\n")
