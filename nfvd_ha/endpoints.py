"""The health endpoints' table: one source for the server (health.py) and for the load
balancer configs rendered to check them (haproxy.py, f5.py). Pure data.

Each endpoint answers with one of three texts (guide 2.8: GUI, SiteScope; the FF API's own):
  up        200  the service answers;
  down      503  it does not;
  draining  503  the node's maintenance lock exists: a load balancer that tells this apart
                 (F5's receive-disable string) stops sending new clients but lets the
                 persistent ones finish; one that does not (HAProxy httpchk) takes it out.
"Draining" says what the balancer should do, not why (the reason is told to loopback only).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    name: str
    port: int
    up: str
    down: str
    draining: str
    target: tuple        # (host, port[, path, expected texts]): the service it vouches for
    also: tuple = ()     # ((host, port), ...) that must accept a connection too


# What NFVD's own FF API status page says when the API, its LDAP and its database are all
# well (guide 2.8.2.1: "[NFVD FF API OK, NFVD FF LDAP OK, NFVD FF DB OK]"); each must be there.
FF_STATUS_OK = ("NFVD FF API OK", "NFVD FF LDAP OK", "NFVD FF DB OK")


ENDPOINTS = {
    # The GUI is usable when UOC (3000) answers and so do what it needs: the IdP (the SAML
    # GUI, 38080), the Image Uploader (1337) - the ports the guide balances - and CouchDB
    # (5984), the four components nfv-director.sh lists on a GUI VM.
    "gui": Endpoint("gui", 3001, "NFVD-GUI is running", "NFVD-GUI Unavailable",
                    "NFVD-GUI draining", ("127.0.0.1", 3000),
                    (("127.0.0.1", 38080), ("127.0.0.1", 1337), ("127.0.0.1", 5984))),
    "sitescope": Endpoint("sitescope", 8898, "SiteScope is running.", "SiteScope is down.",
                          "SiteScope draining.", ("127.0.0.1", 18888)),
    "ffapi": Endpoint("ffapi", 8081, "[NFVD FF API OK]", "NFVD FF API Unavailable",
                      "NFVD FF API draining",
                      ("127.0.0.1", 8080, "/nfvd-ext/status", FF_STATUS_OK)),
}


def endpoint_on(port: int) -> Endpoint | None:
    """The endpoint a load balancer check on ``port`` talks to (its default port), or None."""
    return next((e for e in ENDPOINTS.values() if e.port == port), None)
