"""This node's view of the cluster, read from crm_mon / cibadmin (through the runner)."""


def _xml(text):
    from lxml import etree
    return etree.fromstring(text.encode())


def _score(text):
    if text in ("INFINITY", "+INFINITY"):
        return 1000000
    try:
        return int(text or 0)
    except ValueError:
        return 0


#: roles of a resource that has arrived (not Starting, Stopping, Migrating)
SETTLED = ("Started", "Promoted", "Unpromoted", "Master", "Slave")


class ClusterView:
    """A/P groups (and lone primitives): where they run and where they belong."""

    def __init__(self, runner):
        self.runner = runner

    def node(self):
        return self.runner.run(["crm_node", "-n"], check=True).stdout.strip()

    def status(self):
        return _xml(self.runner.run(["crm_mon", "-1", "--output-as=xml"], check=True).stdout)

    def placement(self, status=None):
        """{id: node} for groups (placed = every member up on one node) and primitives."""
        status = self.status() if status is None else status
        where = {}
        for group in status.xpath("//resources/group"):
            members = group.xpath("resource")
            nodes = {n for r in members for n in r.xpath("node/@name")}
            up = all(r.get("active") == "true" and r.get("failed") != "true"
                     and r.get("role") in SETTLED for r in members)
            where[group.get("id")] = nodes.pop() if up and len(nodes) == 1 else None
        for rsc in status.xpath("//resources/resource"):
            nodes = rsc.xpath("node/@name")
            settled = rsc.get("active") == "true" and rsc.get("role") in SETTLED
            where[rsc.get("id")] = nodes[0] if settled and nodes else None
        return where

    def standby(self, node, status=None):
        status = self.status() if status is None else status
        found = status.xpath(f"//nodes/node[@name='{node}']")
        return bool(found) and found[0].get("standby") == "true"

    def homes(self):
        """{resource: preferred node} from positive location constraints (not cli- ones)."""
        cib = _xml(self.runner.run(["cibadmin", "-Q", "--scope", "constraints"],
                                   check=True).stdout)
        homes = {}
        for loc in cib.xpath("//rsc_location[@node and @rsc]"):
            if not loc.get("id", "").startswith("cli-") and _score(loc.get("score")) > 0:
                homes.setdefault(loc.get("rsc"), loc.get("node"))
        return homes
