"""The nfvd OCF resource agents: each module is a declaration plus its handlers.

``nfvd-ha agents install`` writes a small launcher for each into
``$OCF_ROOT/resource.d/nfvd/<name>``.
"""

#: agent name (as Pacemaker sees it) -> module in this package
AGENTS = {
    "activator-ep": "activator_ep",
    "nfvd-assurance": "nfvd_assurance",
    "nfvd-hpsa": "nfvd_hpsa",
    "shared-fs": "shared_fs",
    "vip": "vip",
}
