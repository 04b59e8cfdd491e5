"""The systemd units nfvd-ha ships (nfvd_ha/units/, installed by the packages) say what the
units nfvd-ha writes say: the health template serves one role with the same service settings
as `nfvd-ha health install-unit`'s unit, from the environment file nfvd-ha documents."""

import os
import shlex
from pathlib import Path

from nfvd_ha.commands import health_unit
from nfvd_ha import paths
from nfvd_ha.adapters import systemd

UNITS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "nfvd_ha", "units")


def settings(text):
    """[(key, value)] of a unit's lines, comments left out."""
    return [tuple(line.split("=", 1)) for line in text.splitlines()
            if "=" in line and not line.startswith("#")]


def template():
    return Path(os.path.join(UNITS, "nfvd-ha-health@.service")).read_text()


def test_the_health_template_serves_its_instance_role_on_bind():
    found = dict(settings(template()))
    assert found["EnvironmentFile"] == paths.HEALTH_ENV
    argv = shlex.split(found["ExecStart"].replace("%i", "sitescope")
                       .replace("${BIND}", "172.30.77.31").replace("$OPTIONS", ""))
    written = dict(settings(health_unit.unit_text("/usr/local/bin/nfvd-ha", ["sitescope"],
                                                  "172.30.77.31", {})))
    assert argv == shlex.split(written["ExecStart"])


def test_the_health_template_has_the_written_units_service_settings():
    written = settings(health_unit.unit_text("/usr/local/bin/nfvd-ha", ["gui"], "0.0.0.0", {}))
    ours = [s for s in settings(template()) if s[0] not in ("EnvironmentFile", "Description")]
    assert [s for s in ours if s[0] != "ExecStart"] == \
        [s for s in written if s[0] not in ("ExecStart", "Description")]


def test_every_unit_points_at_the_man_page_the_packages_install():
    for name in os.listdir(UNITS):
        assert "Documentation=man:nfvd-ha(8)\n" in Path(os.path.join(UNITS, name)).read_text(), name
    assert "Documentation=man:nfvd-ha(8)\n" in systemd.UNIT
