"""``nfvd-ha plan`` / ``nfvd-ha apply``: the live CIB against the one the definition renders.

What the definition owns is what its CIB declares: the top-level resources (primitives,
groups, clones, fence devices), the constraints, the alerts, the cluster properties and
resource defaults it sets, each by id (or name). Anything else in the live CIB (an
operator's own resource, a ban, node attributes, the status section) is left alone.

``plan`` lists, per object, what would be added or changed (readable, not raw XML), then
asks Pacemaker's scheduler what the cluster would do about it: ``crm_simulate`` on the live
CIB (status included) with the new configuration - starts, stops, restarts, moves, with
nodes. Nothing is changed; the plan is written to a file with the live CIB's version and
digest. ``apply`` pushes exactly that plan as a versioned patch (``crm_diff`` +
``cibadmin --patch``), refused when the live configuration changed since (the version or
digest differs; the CIB manager also rejects the patch if it changes in between), then waits
until the cluster settles (``crm_resource --wait``, bounded).
"""

import hashlib
import json
import os
import re
import tempfile

from lxml import etree

from crm.cib import render_cib

from .cluster import Cluster, parse_xml
from .errors import NfvdHaError
from .files import read_text, write_atomic

TIMEOUT = 60
#: the configuration sections whose children the definition owns, by id
OWNED = ("resources", "constraints", "alerts")
#: the sets whose nvpairs it owns, by name: (section, set id)
SETTINGS = (("crm_config", "cib-bootstrap-options"), ("rsc_defaults", "rsc-options"))
#: the configuration's version (num_updates counts status changes: not compared)
VERSION = ("admin_epoch", "epoch")
#: parameter names whose values a plan never shows
SECRET = re.compile(r"(pass|secret|key|token|credential)", re.IGNORECASE)
#: elements that only hold others: left out of readable paths
WRAPPERS = ("operations", "instance_attributes", "meta_attributes")


def digest(cib):
    config = cib.find("configuration")
    return hashlib.sha256(etree.tostring(config, method="c14n")).hexdigest()


def _label(node):
    parent = node.getparent()
    if node.tag == "op":
        return f"op {node.get('name')} {node.get('interval')}"
    if node.tag == "nvpair":
        kind = {"instance_attributes": "param", "meta_attributes": "meta"}.get(
            parent.tag if parent is not None else "", "attribute")
        return f"{kind} {node.get('name')}"
    return f"{node.tag} {node.get('id')}" if node.get("id") else node.tag


def _parts(element):
    """{readable path: attributes} of every element of an object that says something (the
    wrappers - operations, instance_attributes - only hold what is inside them)."""
    found = {}

    def walk(node, path):
        attrs = {k: v for k, v in node.attrib.items() if k != "id"}
        if attrs or node is element:
            found[path or "itself"] = attrs
        for child in node:
            if isinstance(child.tag, str):
                label = _label(child)
                walk(child, path if child.tag in WRAPPERS else
                     f"{path} > {label}" if path else label)
    walk(element, "")
    return found


def _secret(path):
    """A parameter whose value is never shown (fence passwords and keys)."""
    return bool(SECRET.search(path.rsplit(" > ", 1)[-1]))


def _shown(path, attrs):
    if "value" in attrs and set(attrs) <= {"name", "value"}:
        return f"{path} = {'(secret)' if _secret(path) else attrs['value']}"
    extra = {k: v for k, v in attrs.items() if k not in ("name", "interval")}
    return path + (f" ({', '.join(f'{k} {v}' for k, v in sorted(extra.items()))})"
                   if extra else "")


def _describe(old, new):
    if old is None:
        return f"add {_label(new)}"
    before, after = _parts(old), _parts(new)
    parts = [f"remove {_shown(p, before[p])}" for p in sorted(set(before) - set(after))]
    parts += [f"add {_shown(p, after[p])}" for p in sorted(set(after) - set(before))]
    for p in sorted(set(before) & set(after)):
        a, b = before[p], after[p]
        parts += [f"{p}: (secret) changed" if k == "value" and _secret(p) else
                  f"{p}{'' if k == 'value' else ' ' + k}: {a.get(k, '(none)')} -> "
                  f"{b.get(k, '(none)')}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return f"change {_label(new)}: " + "; ".join(parts) if parts else None


def merged(live, rendered):
    """(the live CIB with the definition's objects in, [what changes])."""
    new = etree.fromstring(etree.tostring(live))
    config, ours = new.find("configuration"), rendered.find("configuration")
    changes = []
    for section in OWNED:
        theirs = ours.find(section)
        if theirs is None:
            continue
        target = config.find(section)
        if target is None:
            target = etree.SubElement(config, section)
        for obj in theirs:
            current = target.find(f"*[@id='{obj.get('id')}']")
            said = _describe(current, obj)
            if said is None:
                continue
            changes.append(said)
            if current is None:
                target.append(etree.fromstring(etree.tostring(obj)))
            else:
                target.replace(current, etree.fromstring(etree.tostring(obj)))
    for section, set_id in SETTINGS:
        changes += _settings(config, ours, section, set_id)
    return new, changes


def touched(live, rendered):
    """The top-level resources the plan adds or changes (they must run once it is applied,
    unless the definition stops them)."""
    current = {obj.get("id"): obj for obj in live.find("configuration").findall("resources/*")}
    return [obj.get("id") for obj in rendered.find("configuration").findall("resources/*")
            if _describe(current.get(obj.get("id")), obj) is not None
            and not obj.xpath(".//nvpair[@name='target-role' and @value='Stopped']")]


def not_running(status, ids):
    """Which of ``ids`` (groups, clones, primitives) crm_mon does not show all started and
    healthy: ["hpsa-clone (hpsa on ff-node2: failed)", ...]."""
    found = []
    for rid in ids:
        parts = status.xpath("//resources//*[@id=$id]/descendant-or-self::resource", id=rid)
        bad = [f"{r.get('id')}{' on ' + r.xpath('string(node/@name)') if len(r) else ''}: "
               f"{'failed' if r.get('failed') == 'true' else r.get('role', 'stopped').lower()}"
               for r in parts if r.get("active") != "true" or r.get("failed") == "true"]
        if not parts or bad:
            found.append(f"{rid} ({'; '.join(bad) or 'not in crm_mon'})")
    return found


def left_alone(live, rendered):
    """The live objects the definition does not declare (an operator's, a ban, or one the
    definition no longer has): never touched, listed so that nothing is a surprise."""
    ours = {obj.get("id") for section in OWNED
            for obj in rendered.find("configuration").findall(f"{section}/*")}
    return [f"{obj.tag} {obj.get('id')}" for section in OWNED
            for obj in live.find("configuration").findall(f"{section}/*")
            if obj.get("id") not in ours]


def _settings(config, ours, section, set_id):
    wanted = ours.find(f"{section}/*[@id='{set_id}']")
    if wanted is None:
        return []
    parent = config.find(section)
    if parent is None:
        parent = etree.SubElement(config, section)
    target = parent.find(f"*[@id='{set_id}']")
    if target is None:
        target = etree.SubElement(parent, wanted.tag, id=set_id)
    changes = []
    for pair in wanted:
        have = target.find(f"nvpair[@name='{pair.get('name')}']")
        if have is not None and have.get("value") == pair.get("value"):
            continue
        changes.append(f"set {section} {pair.get('name')}: "
                       f"{'(none)' if have is None else have.get('value')} -> {pair.get('value')}")
        if have is None:
            etree.SubElement(target, "nvpair", id=pair.get("id"), name=pair.get("name"),
                             value=pair.get("value"))
        else:
            have.set("value", pair.get("value"))
    return changes


def scheduled(text):
    """What crm_simulate says the cluster would do: its transition summary (start, stop,
    restart, move, with nodes) and the resource actions it would execute (monitors
    rescheduled, cancelled)."""
    actions, section = [], None
    for line in text.splitlines():
        if line.startswith(("Transition Summary", "Executing Cluster Transition")):
            section = line.split()[0]
            continue
        if line.strip() and not line.startswith(" "):
            section = None
        item = " ".join(line.strip()[2:].split()) if line.strip().startswith("* ") else ""
        if item and (section == "Transition" or (section == "Executing" and
                                                 item.startswith("Resource action:"))):
            actions.append(item)
    return actions


class Planner:
    def __init__(self, runner):
        self.runner = runner

    def live(self):
        done = self.runner.run(["cibadmin", "--query"], timeout=TIMEOUT, check=True)
        return parse_xml(done.stdout, "cibadmin --query")

    def simulate(self, cib):
        """The scheduler's actions for ``cib`` (status included): ["Restart hpsa ...", ...]."""
        with tempfile.TemporaryDirectory(prefix="nfvd-ha-plan-") as tmp:
            path = os.path.join(tmp, "cib.xml")
            write_atomic(path, etree.tostring(cib, encoding="unicode"), 0o600)
            done = self.runner.run(["crm_simulate", "--xml-file", path, "--simulate"],
                                   timeout=TIMEOUT, check=True)
        return scheduled(done.stdout)

    def plan(self, cluster, secrets=None):
        live = self.live()
        rendered = parse_xml(render_cib(cluster, secrets), "the rendered CIB", "is not XML")
        new, changes = merged(live, rendered)
        actions = self.simulate(new) if changes else []
        return {"cluster": cluster.name, "version": {k: live.get(k) for k in VERSION},
                "digest": digest(live), "changes": changes, "actions": actions,
                "left_alone": left_alone(live, rendered), "resources": touched(live, rendered),
                "new": etree.tostring(new.find("configuration"), encoding="unicode")}

    def apply(self, plan, wait=120, progress=lambda text: None):
        """Push ``plan`` as a versioned patch, then wait until the cluster settled: (the
        changes, whether it waited); NfvdHaError when the CIB moved since."""
        live = self.live()
        version = {k: live.get(k) for k in VERSION}
        if version != plan["version"] or digest(live) != plan["digest"]:
            raise NfvdHaError(
                f"the live CIB changed since this plan (configuration version "
                f"{plan['version']['admin_epoch']}:{plan['version']['epoch']} planned, "
                f"{version['admin_epoch']}:{version['epoch']} now): nothing was applied",
                hint="run nfvd-ha plan again and look at what changed")
        if not plan["changes"]:
            return [], False
        new = etree.fromstring(etree.tostring(live))
        new.replace(new.find("configuration"),
                    parse_xml(plan["new"], "the plan", "is not XML"))
        # a newer configuration: the patch applies to exactly the version planned on
        new.set("epoch", str(int(live.get("epoch", "0")) + 1))
        new.set("num_updates", "0")
        with tempfile.TemporaryDirectory(prefix="nfvd-ha-apply-") as tmp:
            old_path, new_path = os.path.join(tmp, "live.xml"), os.path.join(tmp, "new.xml")
            write_atomic(old_path, etree.tostring(live, encoding="unicode"), 0o600)
            write_atomic(new_path, etree.tostring(new, encoding="unicode"), 0o600)
            patch = self.runner.run(["crm_diff", "--original", old_path, "--new", new_path],
                                    timeout=TIMEOUT)
            if patch.rc not in (0, 1):  # 1: a difference was found
                raise NfvdHaError(f"crm_diff exited {patch.rc}: {patch.stderr.strip()[-200:]}")
            patch_path = os.path.join(tmp, "patch.xml")
            write_atomic(patch_path, patch.stdout, 0o600)
            pushed = self.runner.run(["cibadmin", "--patch", "--xml-file", patch_path],
                                     timeout=TIMEOUT)
        if pushed.rc != 0:
            raise NfvdHaError(f"the CIB refused the change (cibadmin --patch exited "
                              f"{pushed.rc}: {pushed.stderr.strip()[-200:]})",
                              hint="it changed meanwhile: run nfvd-ha plan again")
        if os.environ.get("CIB_file"):
            return plan["changes"], False  # a file, not a cluster: nothing to wait for
        progress(f"Applied {len(plan['changes'])} change(s); waiting up to {wait}s for the "
                 "cluster to settle")
        settled = self.runner.run(["crm_resource", "--wait", f"--timeout={wait}"],
                                  timeout=wait + 10)
        if settled.rc != 0:
            raise NfvdHaError(f"applied, but the cluster did not settle within {wait}s",
                              hint="crm_mon -1 shows what is still in flight or failed")
        status = Cluster(self.runner).status()
        if status.xpath("//cluster_options[@maintenance-mode='true']"):
            progress("The cluster is in maintenance mode: nothing was started or stopped")
            return plan["changes"], True
        down = not_running(status, plan.get("resources", []))
        if down:
            raise NfvdHaError(f"applied and settled, but not running as asked: {', '.join(down)}",
                              hint="crm_mon -1 and crm_resource --why --resource ID say why")
        return plan["changes"], True


def plan_cluster(definition_path, name, runner):
    """The plan for cluster ``name`` of the definition at ``definition_path``."""
    from .definition import load_definition
    from .render import fence_secrets
    loaded = load_definition(definition_path)
    cluster = next((c for c in loaded.clusters if c.name == name), None)
    if cluster is None:
        raise NfvdHaError(f"--cluster {name}: not a cluster of {definition_path} "
                          f"({', '.join(c.name for c in loaded.clusters)})")
    return Planner(runner).plan(cluster, fence_secrets(loaded, ("cib",)))


def save(plan, path):
    write_atomic(path, json.dumps(plan, indent=1, sort_keys=True) + "\n", 0o600)


def load(path):
    try:
        plan = json.loads(read_text(path))
    except ValueError as exc:
        raise NfvdHaError(f"{path}: not a plan of nfvd-ha plan ({exc})") from None
    if not isinstance(plan, dict) or not {"cluster", "version", "digest", "changes",
                                          "new"} <= set(plan):
        raise NfvdHaError(f"{path}: not a plan of nfvd-ha plan")
    return plan
