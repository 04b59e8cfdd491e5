"""`nfvd-ha health install-unit`: the systemd unit, and the guide's xinetd checks on the same
ports refused or taken over (original kept), all or nothing."""

import os
import stat

from click.testing import CliRunner

from nfvd_ha.cli import main

# What NFVD's installer registers for the GUI (guide 2.8.1.1), plus neighbours to leave alone.
GUI_XINETD = """\
# default: on
service nfvd-gui-monitor
{
\tport            = 3001
\tsocket_type     = stream
\twait            = no
\tuser            = root
\tserver          = /opt/uoc2/scripts/monitor
\tdisable         = no
}

service other
{
\tport            = 4444
\tserver          = /usr/bin/other
}
"""


def install(tmp_path, *extra):
    xinetd = tmp_path / "xinetd.d"
    unit = tmp_path / "systemd" / "nfvd-ha-health.service"
    result = CliRunner().invoke(main, ["health", "install-unit", "--role", "gui", "--role",
                                       "ffapi", "--bind", "172.30.77.31", "--xinetd-dir",
                                       str(xinetd), "--path", str(unit), *extra])
    return result, unit, xinetd


def test_the_unit_serves_the_roles_on_the_address(tmp_path):
    result, unit, _ = install(tmp_path, "--port", "ffapi=9081")
    assert result.exit_code == 0, result.output
    text = unit.read_text()
    command = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    assert command.endswith(" health serve --role gui --role ffapi --bind 172.30.77.31 "
                            "--port ffapi=9081")
    assert "Restart=always" in text and "[Install]\nWantedBy=multi-user.target" in text
    assert stat.S_IMODE(os.stat(unit).st_mode) == 0o644
    assert "systemctl daemon-reload && systemctl enable --now nfvd-ha-health.service" in \
        result.output


def test_an_xinetd_check_on_the_same_port_is_refused_and_nothing_written(tmp_path):
    xinetd = tmp_path / "xinetd.d"
    xinetd.mkdir()
    (xinetd / "nfvd-gui").write_text(GUI_XINETD)
    result, unit, _ = install(tmp_path)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"Error: {xinetd}/nfvd-gui: xinetd service nfvd-gui-monitor listens on 3001, the gui "
        "endpoint's port")
    assert "--take-over-xinetd" in result.stderr
    assert not unit.exists() and os.listdir(xinetd) == ["nfvd-gui"]
    assert (xinetd / "nfvd-gui").read_text() == GUI_XINETD


def test_take_over_disables_it_keeps_the_original_and_is_idempotent(tmp_path):
    xinetd = tmp_path / "xinetd.d"
    xinetd.mkdir()
    (xinetd / "nfvd-gui").write_text(GUI_XINETD)
    os.chmod(xinetd / "nfvd-gui", 0o640)
    (xinetd / "nfvd-gui.rpmsave").write_text(GUI_XINETD)  # xinetd skips dotted names: so do we
    result, unit, _ = install(tmp_path, "--take-over-xinetd")
    assert result.exit_code == 0, result.output
    assert unit.exists()
    assert (xinetd / "nfvd-gui.nfvd-ha-orig").read_text() == GUI_XINETD
    taken = (xinetd / "nfvd-gui").read_text()
    gui, other = taken.split("service other")
    assert [line.strip() for line in gui.splitlines() if "disable" in line] == [
        "disable         = yes"]                         # "no" replaced, not doubled
    assert "disable" not in other                       # another port: untouched
    assert stat.S_IMODE(os.stat(xinetd / "nfvd-gui").st_mode) == 0o640
    assert "disabled xinetd service nfvd-gui-monitor on port 3001" in result.output
    again, _, _ = install(tmp_path, "--take-over-xinetd")
    assert again.exit_code == 0 and "disabled" not in again.output
    assert (xinetd / "nfvd-gui").read_text() == taken
    assert (xinetd / "nfvd-gui.nfvd-ha-orig").read_text() == GUI_XINETD


def test_a_bind_that_is_not_an_address_is_one_error(tmp_path):
    result = CliRunner().invoke(main, ["health", "install-unit", "--role", "gui", "--bind",
                                       "node1;reboot", "--path", str(tmp_path / "u")])
    assert result.exit_code == 1 and not (tmp_path / "u").exists()
    assert result.stderr.splitlines()[0] == (
        "Error: --bind node1;reboot: is not an IP address (the node's own, or 0.0.0.0 for all)")


def test_take_over_adds_the_setting_where_the_block_had_none(tmp_path):
    xinetd = tmp_path / "xinetd.d"
    xinetd.mkdir()
    (xinetd / "sis-check").write_text(  # guide 2.3.6: the operator's own SiteScope check
        "service sis_check\n{\n\tport = 8898\n\tserver = /opt/HP/SiteScope/sis_check.sh\n}\n")
    unit = tmp_path / "u.service"
    result = CliRunner().invoke(main, ["health", "install-unit", "--role", "sitescope",
                                       "--bind", "0.0.0.0", "--xinetd-dir", str(xinetd),
                                       "--path", str(unit), "--take-over-xinetd"])
    assert result.exit_code == 0, result.output
    assert (xinetd / "sis-check").read_text().splitlines()[-3:] == [
        "\t# nfvd-ha health serves this port (see NAME.nfvd-ha-orig)",
        "\tdisable         = yes", "}"]
