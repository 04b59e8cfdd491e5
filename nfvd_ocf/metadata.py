"""OCF 1.1 meta-data XML rendered from an agent's declaration (deterministic)."""

from xml.sax.saxutils import escape, quoteattr


def _attrs(pairs):
    return "".join(f" {k}={quoteattr(str(v))}" for k, v in pairs if v is not None)


def _param_xml(p):
    attrs = [("name", p.name), ("required", "1" if p.required else "0")]
    if p.unique_group:
        attrs.append(("unique-group", p.unique_group))
    if p.reloadable:
        attrs.append(("reloadable", "1"))
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


def _action_xml(a):
    attrs = [("name", a.name), ("timeout", f"{a.timeout}s")]
    if a.interval is not None:
        attrs.append(("interval", f"{a.interval}s"))
    if a.depth is not None:
        attrs.append(("depth", str(a.depth)))
    if a.role is not None:
        attrs.append(("role", a.role))
    return f"<action{_attrs(attrs)}/>\n"


def render_metadata(agent):
    return ('<?xml version="1.0"?>\n'
            f'<resource-agent name="{agent.name}" version="{agent.version}">\n'
            "<version>1.1</version>\n"
            f'<longdesc lang="en">{escape(agent.longdesc)}</longdesc>\n'
            f'<shortdesc lang="en">{escape(agent.shortdesc)}</shortdesc>\n'
            "<parameters>\n" + "".join(_param_xml(p) for p in agent.params) + "</parameters>\n"
            "<actions>\n" + "".join(_action_xml(a) for a in agent.actions) + "</actions>\n"
            "</resource-agent>\n")
