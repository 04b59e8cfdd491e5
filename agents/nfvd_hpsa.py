"""ocf:nfvd:nfvd-hpsa: HPSA (the Service Activator, JBoss) on a Fulfillment node. Active on
both nodes, as a clone: Pacemaker restarts it in place (the guide's nfvd_jboss_check /
nfvd_jboss_restart, 2.9) and, restarts exhausted, stops it there, so the node's FF API
health check fails and the load balancer takes the node out (see nfvd_ocf.components)."""

from nfvd_ocf import components, runtime
from nfvd_ocf.nfvd import HPSA_COMPONENTS

AGENT = components.agent(
    "nfvd-hpsa", "NFVD Fulfillment: HPSA (Service Activator), cloned on both FF nodes",
    "HPSA of a Fulfillment node, run on both nodes as a clone.", HPSA_COMPONENTS)

if __name__ == "__main__":
    runtime.main(AGENT)
