"""One table per fact: the role record and the endpoint table are what the CLI offers, the
shims install and maintenance says (a copy anywhere else would drift)."""

from heartbeat_compat.shims import shims
from nfvd_ha.cli import main
from nfvd_ha.endpoints import ENDPOINTS
from nfvd_ha.roles import CLOSING, ROLES, closing


def choices(*path):
    command = main
    for name in path[:-1]:
        command = command.commands[name]
    option = next(p for p in command.params if p.name == path[-1])
    return list(option.type.choices)


def test_the_cli_offers_the_roles_and_endpoints_of_the_tables():
    assert choices("maintenance", "start", "role") == list(ROLES)
    assert choices("controller", "role") == list(ROLES)
    assert choices("supervise", "role") == list(ROLES)
    assert choices("health", "serve", "endpoints") == list(ENDPOINTS)
    assert choices("health", "install-unit", "endpoints") == list(ENDPOINTS)


def test_a_role_with_a_shim_name_gets_its_maintenance_shim_and_only_those_do():
    named = {n for n in shims() if n.endswith("_maintenance_mode.sh")}
    assert named == {f"{r.shim}_maintenance_mode.sh" for r in ROLES.values() if r.shim}
    for role in (r for r in ROLES.values() if r.shim):
        assert f"maintenance --role {role.name} " in shims()[f"{role.shim}_maintenance_mode.sh"][1]


def test_every_role_endpoint_is_an_endpoint_and_closing_words_fall_back_to_the_stack():
    assert all(r.endpoint in ENDPOINTS for r in ROLES.values() if r.endpoint)
    assert closing(ROLES["sitescope"], "pacemaker") == ("Stopped Sitescope", "Sitescope started")
    assert closing(ROLES["ff"], "heartbeat") == CLOSING["heartbeat"]


def test_maintenance_says_each_roles_drain_time_from_the_table():
    from nfvd_ha.roles import drain_defaults
    option = next(p for p in main.commands["maintenance"].commands["start"].params
                  if p.name == "drain")
    assert drain_defaults() in option.help
    assert all(f"{r.drain:g} on " in drain_defaults() and r.name in drain_defaults()
               for r in ROLES.values())
