"""systemd units for nfvd-ha's long-running commands (health endpoints, supervisor)."""

import shlex

UNIT = """\
[Unit]
Description={description}
Documentation=man:nfvd-ha(8)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart={command}
Restart=always
RestartSec=2
# Thousands of load balancer and client sockets (health): the limit to raise to.
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
"""


def unit_text(description: str, argv: list[str]) -> str:
    """A simple service unit running ``argv`` (quoted for systemd), always restarted."""
    return UNIT.format(description=description, command=shlex.join(argv))
