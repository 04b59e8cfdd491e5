"""import-heartbeat on a host built by the guide: the shared directories' fstab lines and
mounts come back as warnings that say what to change before the node joins Pacemaker."""

from nfvd_ha.commands.importing import import_definition
from nfvd_ocf.mounts import Mount

HA_CF = ("keepalive 2\ndeadtime 30\nucast eth0 10.0.0.21\nucast eth0 10.0.0.22\n"
         "node aa-node1\nnode aa-node2\n")
WITH_FS = ("aa-node1 IPaddr::10.0.0.101/24/eth0 Filesystem::nfs1:/var/opt/UCA-EBC::"
           "/var/opt/UCA-EBC::nfs nfvd\n")
GUIDE_FSTAB = "# guide 2.3.7.3\n10.75.14.23:/var/opt/UCA-EBC /var/opt/UCA-EBC nfs defaults 0 0\n"


def imported(tmp_path, haresources, fstab_text, table=()):
    (tmp_path / "ha.d").mkdir()
    (tmp_path / "ha.d" / "ha.cf").write_text(HA_CF)
    (tmp_path / "ha.d" / "haresources").write_text(haresources)
    (tmp_path / "fstab").write_text(fstab_text)
    return import_definition(str(tmp_path / "ha.d"), "nfvd-aa", fstab_path=str(tmp_path /
                                                                                "fstab"),
                             table=list(table))


def test_a_filesystem_resource_whose_directory_fstab_mounts_at_boot(tmp_path):
    mount = Mount(40, 1, (0, 52), "/var/opt/UCA-EBC", "nfs4", "nfs1:/var/opt/UCA-EBC", "rw")
    text, warnings = imported(tmp_path, WITH_FS, GUIDE_FSTAB, [mount])
    assert 'type = "shared-fs"' in text
    assert warnings == [
        f"{tmp_path}/fstab:2 mounts /var/opt/UCA-EBC at boot ('10.75.14.23:/var/opt/UCA-EBC "
        "/var/opt/UCA-EBC nfs defaults 0 0'): the cluster mounts it where its resource runs; "
        "add noauto to that line's options or remove it, and unmount it here (resource fs1): "
        "do it on both nodes before they join Pacemaker (nfvd-ha node setup refuses until "
        "then)",
        "/var/opt/UCA-EBC is mounted here now (nfs4 nfs1:/var/opt/UCA-EBC): resource fs1 will "
        "own it; it must be unmounted here before Pacemaker starts on this node (heartbeat's "
        "stop does that for its Filesystem resources, not for an fstab mount)"]


def test_the_guides_own_setup_the_share_mounted_by_fstab_outside_heartbeat(tmp_path):
    _, warnings = imported(tmp_path, "aa-node1 IPaddr::10.0.0.101/24/eth0 nfvd\n", GUIDE_FSTAB)
    assert warnings == [
        f"{tmp_path}/fstab:2 mounts /var/opt/UCA-EBC (nfs) at boot, outside heartbeat: the "
        "guide shares it that way (2.3.7); to have the cluster own it, add a shared-fs "
        "resource to the group and make that line noauto on both nodes"]


def test_nothing_to_say_when_the_line_is_noauto(tmp_path):
    _, warnings = imported(tmp_path, WITH_FS, GUIDE_FSTAB.replace("defaults", "noauto"))
    assert warnings == []
