"""The CIB of one cluster, built from the definition; same definition, same bytes.

Element builders with tag constants and deterministic ids; attributes in sorted order.
Starts from what ``cibadmin --empty`` gives on Pacemaker 2.1.5 (validate-with and
crm_feature_set set: without them crm_verify passes invalid CIBs and per-op fail counts
are silently off).
"""

from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from nfvd_ha.definition.model import Cluster, Fencing, Resource, SecretRef
from nfvd_ha.durations import text as duration
from nfvd_ha.errors import NfvdHaError

VALIDATE_WITH = "pacemaker-3.9"
CRM_FEATURE_SET = "3.16.1"
PREFERRED_SCORE = 100
STICKY = 2 * PREFERRED_SCORE  # above the preference: what runs stays (auto_failback off)
#: resource priority for priority-fencing-delay: the node running the A/P groups is the
#: more significant one and wins a fence race (two_node clusters without a quorum device)
PRIORITY = 10

CIB, CONFIGURATION, CRM_CONFIG, NODES, NODE = "cib", "configuration", "crm_config", "nodes", "node"
RESOURCES, PRIMITIVE, GROUP, CLONE = "resources", "primitive", "group", "clone"
CONSTRAINTS, RSC_LOCATION, STATUS = "constraints", "rsc_location", "status"
RSC_COLOCATION, RSC_ORDER = "rsc_colocation", "rsc_order"
#: keyword arguments of element() that stand for attribute names Python cannot spell
SPELLED = {"class_": "class", "with_rsc": "with-rsc"}
PROPERTY_SET, INSTANCE, META, NVPAIR = ("cluster_property_set", "instance_attributes",
                                        "meta_attributes", "nvpair")
OPERATIONS, OP, RSC_DEFAULTS = "operations", "op", "rsc_defaults"
ALERTS, ALERT, RECIPIENT = "alerts", "alert", "recipient"


#: an lxml element (lxml ships no type information here)
Xml = Any


def element(parent: Xml | None, tag: str, **attrs: object) -> Xml:
    """A child element with its attributes in sorted order (``None`` values left out).

    ``class_`` stands for the ``class`` attribute, ``with_rsc`` for ``with-rsc``.
    """
    node = etree.SubElement(parent, tag) if parent is not None else etree.Element(tag)
    for key in sorted(attrs):
        if attrs[key] is not None:
            node.set(SPELLED.get(key, key), str(attrs[key]))
    return node


def nvset(parent: Xml, tag: str, set_id: str, pairs: Iterable[tuple[str, object]]) -> Xml:
    """A set of nvpairs (instance or meta attributes) named ``set_id``."""
    block = element(parent, tag, id=set_id)
    for name, value in pairs:
        element(block, NVPAIR, id=f"{set_id}-{name}", name=name, value=value)
    return block


def fence_race_by_priority(cluster: Cluster) -> bool:
    """Without a quorum device both nodes of a pair keep quorum in a split and race to
    fence each other: priority-fencing-delay makes the node running the groups win. With a
    quorum device only one side has quorum (and may fence); no delay then, so a real node
    loss is not slowed down."""
    return bool(cluster.fencing) and cluster.quorum_device is None and len(cluster.nodes) == 2


def cib_document(cluster: Cluster, secrets: Mapping[SecretRef, str] | None = None) -> Xml:
    """The CIB of ``cluster`` as an lxml element; ``secrets``: {SecretRef: value} for fence
    parameters kept out of the definition."""
    root = element(None, CIB, admin_epoch="0", crm_feature_set=CRM_FEATURE_SET, epoch="1",
                   num_updates="0", **{"validate-with": VALIDATE_WITH})
    config = element(root, CONFIGURATION)
    _properties(element(config, CRM_CONFIG), cluster)
    _nodes(element(config, NODES), cluster)
    _resources(element(config, RESOURCES), cluster, secrets or {})
    _constraints(element(config, CONSTRAINTS), cluster)
    _defaults(element(config, RSC_DEFAULTS), cluster)
    if cluster.alerts:
        _alerts(element(config, ALERTS), cluster)
    element(root, STATUS)
    return root


def render_cib(cluster: Cluster, secrets: Mapping[SecretRef, str] | None = None) -> str:
    """The CIB of ``cluster`` as the text of a cib.xml file (``cib_document`` serialised)."""
    return etree.tostring(cib_document(cluster, secrets), pretty_print=True, encoding="unicode")


def _properties(parent: Xml, cluster: Cluster) -> None:
    pairs = [("cluster-name", cluster.name),
             ("stonith-enabled", "true" if cluster.fencing else "false"),
             ("no-quorum-policy", "stop"),
             ("dc-deadtime", duration(min(max(cluster.timing.initdead, 2000), 20000))),
             ("cluster-recheck-interval", "1min")]
    if fence_race_by_priority(cluster):
        pairs.append(("priority-fencing-delay", duration(cluster.fencing_delay)))
    nvset(parent, PROPERTY_SET, "cib-bootstrap-options", pairs)


def _nodes(parent: Xml, cluster: Cluster) -> None:
    for node in cluster.nodes:
        element(parent, NODE, id=str(node.nodeid), uname=node.name)


def _resources(parent: Xml, cluster: Cluster, secrets: Mapping[SecretRef, str]) -> None:
    for fence in cluster.fencing:
        _fence_device(parent, fence, secrets)
    placed = set(cluster.placed()) if fence_race_by_priority(cluster) else set()
    for top in cluster.top_level():
        _place(parent, cluster, top, top in placed)


def _place(parent: Xml, cluster: Cluster, rid: str, prioritised: bool = False) -> None:
    group = next((g for g in cluster.groups if g.id == rid), None)
    clone = next((c for c in cluster.clones if c.id == rid), None)
    if clone is not None:
        node = element(parent, CLONE, id=clone.id)
        _place(node, cluster, clone.member)
        pairs = [("interleave", "true")] + ([("clone-max", str(clone.max))] if clone.max else [])
        nvset(node, META, f"{clone.id}-meta_attributes", pairs)
    elif group is not None:
        node = element(parent, GROUP, id=group.id)
        for member in group.members:
            resource = _resource(cluster, member)
            _storage_policy(_primitive(node, resource), cluster, resource)
        if prioritised:
            nvset(node, META, f"{group.id}-meta_attributes", [("priority", str(PRIORITY))])
    else:
        resource = _resource(cluster, rid)
        node = _primitive(parent, resource)
        pairs = _storage_pairs(cluster, resource)
        pairs += [("priority", str(PRIORITY))] if prioritised else []
        if pairs:
            nvset(node, META, f"{rid}-meta_attributes", pairs)


def _resource(cluster: Cluster, rid: str) -> Resource:
    """The resource ``rid`` of ``cluster`` (the loader refuses a reference to none)."""
    resource = cluster.resource(rid)
    if resource is None:
        raise NfvdHaError(f"cluster {cluster.name}: no resource {rid}")
    return resource


def _storage_pairs(cluster: Cluster, resource: Resource) -> list[tuple[str, str]]:
    """Shared storage placed on one node fails over after its own restart count (0: at the
    first failure) and forgets its failures sooner: remounting on the node whose path to the
    server failed only fails again, and once the server answers the group may come back."""
    if resource.type != "shared-fs" or any(c.member == resource.id for c in cluster.clones):
        return []  # a clone's instance has nowhere to move: it restarts in place
    recovery = cluster.recovery
    return [("migration-threshold", str(recovery.storage_restarts_before_failover + 1)),
            ("failure-timeout", duration(recovery.storage_failure_timeout))]


def _storage_policy(node: Xml, cluster: Cluster, resource: Resource) -> None:
    pairs = _storage_pairs(cluster, resource)
    if pairs:
        nvset(node, META, f"{resource.id}-meta_attributes", pairs)


def _primitive(parent: Xml, resource: Resource) -> Xml:
    klass, provider, rtype = resource.agent
    node = element(parent, PRIMITIVE, class_=klass, id=resource.id, provider=provider,
                   type=rtype)
    if resource.params:
        nvset(node, INSTANCE, f"{resource.id}-instance_attributes", resource.params)
    if resource.ops:
        ops = element(node, OPERATIONS)
        for op in resource.ops:
            op_id = f"{resource.id}-{op.name}-interval-{duration(op.interval)}"
            entry = element(ops, OP, id=op_id, interval=duration(op.interval), name=op.name,
                            timeout=duration(op.timeout))
            if op.depth is not None:
                nvset(entry, INSTANCE, f"{op_id}-instance_attributes",
                      [("OCF_CHECK_LEVEL", str(op.depth))])
    return node


def _fence_device(parent: Xml, fence: Fencing, secrets: Mapping[SecretRef, str]) -> None:
    node = element(parent, PRIMITIVE, class_="stonith", id=fence.id, type=fence.agent)
    pairs = sorted([(k, _value(v, secrets, fence.id, k)) for k, v in fence.params]
                   + [("pcmk_host_list", " ".join(fence.targets))])
    nvset(node, INSTANCE, f"{fence.id}-instance_attributes", pairs)
    ops = element(node, OPERATIONS)
    element(ops, OP, id=f"{fence.id}-monitor-interval-60s", interval="60s", name="monitor",
            timeout="20s")


def _value(value: str | SecretRef | None, secrets: Mapping[SecretRef, str], device: str,
           key: str) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        raise NfvdHaError(f"fencing device {device}: {key} has no value")
    if value not in secrets:
        raise NfvdHaError(f"fencing device {device}: {key} comes from {value.path}, which was "
                          "not read")
    return secrets[value]


def _constraints(parent: Xml, cluster: Cluster) -> None:
    cloned = {c.id for c in cluster.clones}
    for top in cluster.top_level():
        if top not in cloned:
            node = cluster.preferred_for(top)
            # one id whatever the node: a new preference changes this constraint in place
            element(parent, RSC_LOCATION, id=f"location-{top}-preferred", node=node, rsc=top,
                    score=str(PREFERRED_SCORE))
    for group in cluster.groups:  # only where each clone it requires runs, started after
        for clone in group.requires:
            element(parent, RSC_COLOCATION, id=f"colocation-{group.id}-with-{clone}",
                    rsc=group.id, score="INFINITY", with_rsc=clone)
            element(parent, RSC_ORDER, id=f"order-{clone}-then-{group.id}", first=clone,
                    kind="Mandatory", then=group.id)
    for fence in cluster.fencing:  # a device never runs on the node it is there to kill
        for target in fence.targets:
            element(parent, RSC_LOCATION, id=f"location-{fence.id}-avoids-{target}",
                    node=target, rsc=fence.id, score="-INFINITY")


def _defaults(parent: Xml, cluster: Cluster) -> None:
    recovery = cluster.recovery
    pairs = [("resource-stickiness", "0" if cluster.auto_failback else str(STICKY)),
             # N restarts in place, then move: the (N+1)th failure reaches the threshold
             ("migration-threshold", str(recovery.restarts_before_failover + 1)),
             ("failure-timeout", duration(recovery.failure_timeout))]
    nvset(parent, META, "rsc-options", pairs)


def _alerts(parent: Xml, cluster: Cluster) -> None:
    for alert in cluster.alerts:
        node = element(parent, ALERT, id=alert.id, path=alert.path)
        nvset(node, META, f"{alert.id}-meta", [("timeout", duration(alert.timeout))])
        for i, recipient in enumerate(alert.recipients, 1):
            element(node, RECIPIENT, id=f"{alert.id}-recipient-{i}", value=recipient)
