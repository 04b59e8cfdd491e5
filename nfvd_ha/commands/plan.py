"""``nfvd-ha plan`` / ``nfvd-ha apply``: the live CIB against the one the definition renders.

What the definition owns is what its CIB declares: the top-level resources (primitives,
groups, clones, fence devices), the constraints, the alerts, the cluster properties and
resource defaults it sets, each by id (or name). Anything else in the live CIB (an
operator's own resource, a ban, node attributes, the status section) is left alone.

``plan`` lists, per object, what would be added or changed (readable, not raw XML), then
asks Pacemaker's scheduler what the cluster would do about it: ``crm_simulate`` on the live
CIB (status included) with the new configuration - starts, stops, restarts, moves, with
nodes. Nothing is changed; the plan is written to a new file (0600) with the live CIB's
version and digest. ``apply`` reads it only from a regular file of its own (or root's) that
no one else can write, refuses it when the live configuration changed since (the version or
digest differs; the CIB manager also rejects the patch if it changes in between), and pushes
only what the reviewed change list says: it merges the stored configuration's objects into
the live CIB again and refuses unless that gives the very same change list and the very same
configuration (an edited stored configuration - an added resource, a removed constraint, a
property - is caught). Then a versioned patch (``crm_diff`` + ``cibadmin --patch``), and a
bounded wait until the cluster settles (``crm_resource --wait``): every Pacemaker call
through the adapter (``nfvd_ha.adapters.pacemaker``).
"""

import hashlib
import json
import os
import re
from collections.abc import Callable, Collection, Iterable
from typing import Any

from lxml import etree

from crm.cib import cib_document

from ..adapters.files import MAX_INPUT, read_trusted, write_atomic
from ..adapters.pacemaker import Pacemaker, Xml, parse_xml
from ..adapters.runner import CommandRunner, Runner
from ..definition import model
from ..errors import NfvdHaError

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


def digest(cib: Xml) -> str:
    """The SHA-256 of the CIB's configuration, canonical XML."""
    config = cib.find("configuration")
    return hashlib.sha256(etree.tostring(config, method="c14n")).hexdigest()


def _label(node: Xml) -> str:
    parent = node.getparent()
    if node.tag == "op":
        return f"op {node.get('name')} {node.get('interval')}"
    if node.tag == "nvpair":
        kind = {"instance_attributes": "param", "meta_attributes": "meta"}.get(
            parent.tag if parent is not None else "", "attribute")
        return f"{kind} {node.get('name')}"
    return f"{node.tag} {node.get('id')}" if node.get("id") else node.tag


def _parts(element: Xml) -> dict[str, dict[str, str]]:
    """{readable path: attributes} of every element of an object that says something (the
    wrappers - operations, instance_attributes - only hold what is inside them)."""
    found: dict[str, dict[str, str]] = {}

    def walk(node: Xml, path: str) -> None:
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


def _secret(path: str, hidden: Collection[str] = ()) -> bool:
    """A parameter whose value is never shown: fence passwords and keys by their name, and
    ``hidden`` ones (read from a secret file) whatever their name."""
    return path in hidden or bool(SECRET.search(path.rsplit(" > ", 1)[-1]))


def _shown(path: str, attrs: dict[str, str], hidden: Collection[str] = ()) -> str:
    if "value" in attrs and set(attrs) <= {"name", "value"}:
        return f"{path} = {'(secret)' if _secret(path, hidden) else attrs['value']}"
    extra = {k: v for k, v in attrs.items() if k not in ("name", "interval")}
    return path + (f" ({', '.join(f'{k} {v}' for k, v in sorted(extra.items()))})"
                   if extra else "")


def _describe(old: Xml | None, new: Xml, hidden: Collection[str] = ()) -> str | None:
    """What changes from ``old`` to ``new`` (one object), in words; ``hidden``: the readable
    paths of its parameters whose values are never shown ("param plug")."""
    if old is None:
        return f"add {_label(new)}"
    before, after = _parts(old), _parts(new)
    parts = [f"remove {_shown(p, before[p], hidden)}" for p in sorted(set(before) - set(after))]
    parts += [f"add {_shown(p, after[p], hidden)}" for p in sorted(set(after) - set(before))]
    for p in sorted(set(before) & set(after)):
        a, b = before[p], after[p]
        parts += [f"{p}: (secret) changed" if k == "value" and _secret(p, hidden) else
                  f"{p}{'' if k == 'value' else ' ' + k}: {a.get(k, '(none)')} -> "
                  f"{b.get(k, '(none)')}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return f"change {_label(new)}: " + "; ".join(parts) if parts else None


def _child(parent: Xml, oid: str) -> Xml | None:
    """The child of ``parent`` with id ``oid`` (ids are compared, never put in an XPath)."""
    return next((c for c in parent if isinstance(c.tag, str) and c.get("id") == oid), None)


def _hidden_of(secrets: Iterable[tuple[str, str]], oid: str) -> set[str]:
    return {path for owner, path in secrets if owner == oid}


def merged(live: Xml, rendered: Xml, secrets: Iterable[tuple[str, str]] = ()
           ) -> tuple[Xml, list[str]]:
    """(the live CIB with the definition's objects in, [what changes]); ``secrets``:
    (object id, readable path) of the parameters whose values are never shown."""
    new = etree.fromstring(etree.tostring(live))
    config, ours = new.find("configuration"), rendered.find("configuration")
    changes: list[str] = []
    secrets = list(secrets)
    for section in OWNED:
        theirs = ours.find(section)
        if theirs is None:
            continue
        target = config.find(section)
        if target is None:
            target = etree.SubElement(config, section)
        for obj in theirs:
            if not isinstance(obj.tag, str):
                continue  # a comment or processing instruction: not an object
            current = _child(target, obj.get("id"))
            said = _describe(current, obj, _hidden_of(secrets, obj.get("id")))
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


def touched(live: Xml, rendered: Xml) -> list[str]:
    """The top-level resources the plan adds or changes (they must run once it is applied,
    unless the definition stops them)."""
    current = {obj.get("id"): obj for obj in live.find("configuration").findall("resources/*")
               if isinstance(obj.tag, str)}
    return [obj.get("id") for obj in rendered.find("configuration").findall("resources/*")
            if _describe(current.get(obj.get("id")), obj) is not None
            and not obj.xpath(".//nvpair[@name='target-role' and @value='Stopped']")]


def not_running(status: Xml, ids: Iterable[str]) -> list[str]:
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


def left_alone(live: Xml, rendered: Xml) -> list[str]:
    """The live objects the definition does not declare (an operator's, a ban, or one the
    definition no longer has): never touched, listed so that nothing is a surprise."""
    ours = {obj.get("id") for section in OWNED
            for obj in rendered.find("configuration").findall(f"{section}/*")}
    return [f"{obj.tag} {obj.get('id')}" for section in OWNED
            for obj in live.find("configuration").findall(f"{section}/*")
            if obj.get("id") not in ours]


def _settings(config: Xml, ours: Xml, section: str, set_id: str) -> list[str]:
    """Set the nvpairs of ``ours``' SECTION/SET_ID in ``config``; what changed, in words."""
    wanted = ours.find(section)
    wanted = None if wanted is None else _child(wanted, set_id)
    if wanted is None:
        return []
    parent = config.find(section)
    if parent is None:
        parent = etree.SubElement(config, section)
    target = _child(parent, set_id)
    if target is None:
        target = etree.SubElement(parent, wanted.tag, id=set_id)
    changes = []
    for pair in wanted:
        if not isinstance(pair.tag, str):
            continue
        have = next((p for p in target if p.tag == "nvpair" and p.get("name") == pair.get(
            "name")), None)
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


def scheduled(text: str) -> list[str]:
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


def secret_params(cluster: model.Cluster) -> list[tuple[str, str]]:
    """(fence device id, readable path) of every parameter whose value comes from a secret
    file: never shown, whatever its name (``plug = { file = ... }`` too)."""
    return sorted((f.id, f"param {name}") for f in cluster.fencing for name, value in f.params
                  if isinstance(value, model.SecretRef))


def _canonical(config: Xml) -> bytes:
    """The configuration as canonical XML, whitespace between elements left out."""
    copy = etree.fromstring(etree.tostring(config))
    for node in copy.iter():
        if node.text is not None and not node.text.strip():
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
    return etree.tostring(copy, method="c14n")


def reviewed(live: Xml, plan: dict[str, Any]) -> tuple[Xml, list[str]]:
    """(the CIB to push, the resources that must run after it) - only when merging the
    plan's stored configuration into ``live`` (the CIB it was made on) gives back exactly
    that configuration and exactly the change list that was reviewed; NfvdHaError else."""
    stored = parse_xml(plan["new"], "the plan's stored configuration", "is not XML")
    if stored.tag != "configuration":
        raise NfvdHaError("the plan's stored configuration is not a CIB configuration: "
                          "nothing was applied")
    candidate = etree.fromstring(etree.tostring(live))
    candidate.replace(candidate.find("configuration"), stored)
    secrets = [tuple(p) for p in plan.get("secret", [])]
    new, changes = merged(live, candidate, secrets)
    if changes != plan["changes"] or _canonical(new.find("configuration")) != _canonical(
            stored):
        raise NfvdHaError("the plan's stored configuration is not what its change list says "
                          "(the file was edited after nfvd-ha plan wrote it): nothing was "
                          "applied", hint="run nfvd-ha plan again and review what it says")
    return new, touched(live, candidate)


class Planner:
    """Plan and apply on this node's cluster: the pure merge above, the Pacemaker adapter for
    every call (the live CIB, crm_simulate, the patch, the wait)."""

    def __init__(self, runner: CommandRunner | None = None, cluster: Pacemaker | None = None
                 ) -> None:
        self.cluster = cluster or Pacemaker(runner or Runner())

    def live(self) -> Xml:
        """The live CIB."""
        return self.cluster.cib()

    def simulate(self, cib: Xml) -> list[str]:
        """The scheduler's actions for ``cib`` (status included): ["Restart hpsa ...", ...]."""
        return scheduled(self.cluster.simulate(cib))

    def plan(self, cluster: model.Cluster, secrets: dict[model.SecretRef, str] | None = None
             ) -> dict[str, Any]:
        """What would change in the live CIB for ``cluster``, and what Pacemaker would do."""
        live = self.live()
        rendered = cib_document(cluster, secrets)
        hidden = secret_params(cluster)
        new, changes = merged(live, rendered, hidden)
        actions = self.simulate(new) if changes else []
        return {"cluster": cluster.name, "version": {k: live.get(k) for k in VERSION},
                "digest": digest(live), "changes": changes, "actions": actions,
                "left_alone": left_alone(live, rendered), "resources": touched(live, rendered),
                "secret": [list(p) for p in hidden],
                "new": etree.tostring(new.find("configuration"), encoding="unicode")}

    def apply(self, plan: dict[str, Any], wait: int = 120,
              progress: Callable[[str], object] = lambda text: None) -> tuple[list[str], bool]:
        """Push ``plan`` as a versioned patch, then wait until the cluster settled: (the
        changes, whether it waited); NfvdHaError when the CIB moved since, or when the
        plan's stored configuration is not what its change list says."""
        live = self.live()
        version = {k: live.get(k) for k in VERSION}
        if version != plan["version"] or digest(live) != plan["digest"]:
            raise NfvdHaError(
                f"the live CIB changed since this plan (configuration version "
                f"{plan['version'].get('admin_epoch')}:{plan['version'].get('epoch')} planned, "
                f"{version['admin_epoch']}:{version['epoch']} now): nothing was applied",
                hint="run nfvd-ha plan again and look at what changed")
        new, resources = reviewed(live, plan)
        if not plan["changes"]:
            return [], False
        # a newer configuration: the patch applies to exactly the version planned on
        new.set("epoch", str(int(live.get("epoch", "0")) + 1))
        new.set("num_updates", "0")
        self.cluster.patch(live, new)
        if os.environ.get("CIB_file"):  # noqa: SIM112 - Pacemaker spells it so
            return plan["changes"], False  # a file, not a cluster: nothing to wait for
        progress(f"Applied {len(plan['changes'])} change(s); waiting up to {wait}s for the "
                 "cluster to settle")
        if not self.cluster.settle(wait):
            raise NfvdHaError(f"applied, but the cluster did not settle within {wait}s",
                              hint="crm_mon -1 shows what is still in flight or failed")
        status = self.cluster.status()
        if status.xpath("//cluster_options[@maintenance-mode='true']"):
            progress("The cluster is in maintenance mode: nothing was started or stopped")
            return plan["changes"], True
        down = not_running(status, resources)
        if down:
            raise NfvdHaError(f"applied and settled, but not running as asked: {', '.join(down)}",
                              hint="crm_mon -1 and crm_resource --why --resource ID say why")
        return plan["changes"], True


def plan_cluster(definition_path: str, name: str, runner: CommandRunner | None = None
                 ) -> dict[str, Any]:
    """The plan for cluster ``name`` of the definition at ``definition_path``."""
    from ..definition import load_definition
    from .render import fence_secrets
    loaded = load_definition(definition_path)
    cluster = next((c for c in loaded.clusters if c.name == name), None)
    if cluster is None:
        raise NfvdHaError(f"--cluster {name}: not a cluster of {definition_path} "
                          f"({', '.join(c.name for c in loaded.clusters)})")
    return Planner(runner or Runner()).plan(cluster, fence_secrets(loaded, ("cib",)))


def apply_plan(plan_file: str, wait: int = 120,
               progress: Callable[[str], object] = lambda text: None,
               runner: CommandRunner | None = None) -> tuple[list[str], bool]:
    """Apply the plan in ``plan_file`` (see ``Planner.apply``)."""
    return Planner(runner or Runner()).apply(load(plan_file), wait, progress)


def save(plan: dict[str, Any], path: str, force: bool = False) -> None:
    """Write the plan to a new file (0600: it may hold fence credentials); an existing one
    is replaced (atomically) only with ``force``."""
    text = json.dumps(plan, indent=1, sort_keys=True) + "\n"
    if force:
        write_atomic(path, text, 0o600)
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     0o600)
    except FileExistsError:
        raise NfvdHaError(f"{path}: exists (a plan never writes over a file)",
                          hint="remove it, choose another --out, or give --force") from None
    except OSError as exc:
        raise NfvdHaError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode())
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        os.unlink(path)
        raise NfvdHaError(f"{path}: cannot write: {exc.strerror}") from None
    os.close(fd)


#: what each field of a plan file must be
SHAPE = {"cluster": str, "version": dict, "digest": str, "changes": list, "new": str}


def load(path: str) -> dict[str, Any]:
    """The plan in ``path``: a regular file (never through a symlink) of ours or root's that
    no one else can write, holding a plan's JSON; NfvdHaError naming what is wrong."""
    data = read_trusted(path, 16 * MAX_INPUT,
                        hint="a plan is applied only from a file nfvd-ha plan wrote for you "
                             "(0600): run nfvd-ha plan again")
    try:
        plan = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise NfvdHaError(f"{path}: not a plan of nfvd-ha plan ({exc})") from None
    if not isinstance(plan, dict) or any(not isinstance(plan.get(k), t)
                                         for k, t in SHAPE.items()) or \
            not all(isinstance(c, str) for c in plan["changes"]) or \
            not all(isinstance(v, (str, type(None))) for v in plan["version"].values()) or \
            not _pairs(plan.get("secret", [])):
        raise NfvdHaError(f"{path}: not a plan of nfvd-ha plan")
    return plan


def _pairs(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
        for p in value)
