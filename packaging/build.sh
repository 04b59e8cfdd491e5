#!/usr/bin/env bash
# Build nfvd-ha's packages from this checkout: a .deb (Debian 12) and an .rpm (RHEL/Rocky 8-9).
#
#   bash packaging/build.sh [OUT_DIR]        (default: dist/)
#
# Both hold the same tree:
#   /usr/bin/nfvd-ha                       the CLI (a launcher on the private copy below)
#   /usr/lib/nfvd-ha/                      the Python packages (nfvd_ha, crm, heartbeat_compat,
#                                          nfvd_ocf, agents), outside any site-packages
#   /usr/lib/ocf/resource.d/nfvd/*         the OCF agents (0755) ...
#   /usr/lib/ocf/lib/nfvd/                 ... and their stdlib-only runtime, world-readable
#   <systemd>/nfvd-ha-controller.service   the maintenance controller's unit
#   /usr/share/doc/nfvd-ha/                README and the reference definition
# The Debian package runs everything on the system's python3 (3.11 on bookworm); the RPM on
# python3.11 (RHEL 8.8+/9.2+ AppStream), which also takes the agents off RHEL 8's 3.6.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$repo/dist}" && cd "${1:-$repo/dist}" && pwd)
version=$(cd "$repo" && python3 -c 'import configparser; c = configparser.ConfigParser(); c.read("setup.cfg"); print(c["metadata"]["version"])')
work=$(mktemp -d /var/tmp/nfvd-ha-pkg.XXXXXX)
trap 'rm -rf "$work"' EXIT

stage() {  # stage DIR PYTHON SYSTEMD_DIR: the installed tree under DIR
    local root=$1 python=$2 units=$3
    install -d -m 0755 "$root/usr/bin" "$root/usr/lib/nfvd-ha" "$root$units" \
        "$root/usr/share/doc/nfvd-ha"
    (cd "$repo" && git ls-files -co --exclude-standard nfvd_ha crm heartbeat_compat nfvd_ocf agents |
        grep -v -e '__pycache__' -e '\.pyc$' | while read -r f; do
            install -D -m 0644 "$f" "$root/usr/lib/nfvd-ha/$f"
        done)
    find "$root/usr/lib/nfvd-ha" -type d -exec chmod 0755 {} +
    printf '#!%s\n# nfvd-ha, installed from a package: the CLI on its private copy.\nimport sys\nsys.path.insert(0, "/usr/lib/nfvd-ha")\nfrom nfvd_ha.cli import main\nmain()\n' \
        "$python" > "$root/usr/bin/nfvd-ha"
    chmod 0755 "$root/usr/bin/nfvd-ha"
    (cd "$repo" && python3 -m nfvd_ha agents install --ocf-root /usr/lib/ocf --python "$python" \
        --destdir "$root" >/dev/null)
    sed "s|/usr/local/bin/nfvd-ha|/usr/bin/nfvd-ha|" "$repo/nfvd_ha/units/nfvd-ha-controller.service" \
        > "$root$units/nfvd-ha-controller.service"
    chmod 0644 "$root$units/nfvd-ha-controller.service"
    install -m 0644 "$repo/README.md" "$repo/nfvd_ha/examples/reference.toml" "$root/usr/share/doc/nfvd-ha/"
}

# --- .deb --------------------------------------------------------------------------------
deb=$work/deb
stage "$deb" /usr/bin/python3 /lib/systemd/system
install -d -m 0755 "$deb/DEBIAN"
cat > "$deb/DEBIAN/control" <<EOF
Package: nfvd-ha
Version: $version
Architecture: all
Maintainer: nfvd-ha developers <root@localhost>
Depends: python3 (>= 3.11), python3-lxml, python3-click, python3-pyinotify
Recommends: pacemaker, pacemaker-cli-utils, corosync, crmsh, resource-agents
Suggests: corosync-qdevice, fence-agents, haproxy
Section: admin
Priority: optional
Description: high availability for HPE NFV Director on Pacemaker/Corosync
 OCF resource agents for the NFVD services (ocf:nfvd:activator-ep, nfvd-assurance,
 shared-fs, vip), one cluster definition rendered to the Pacemaker CIB, corosync.conf,
 heartbeat, HAProxy and F5 configs, the maintenance controller and operator tools.
EOF
(cd "$deb" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$deb/DEBIAN/md5sums"
chmod 0644 "$deb/DEBIAN/control" "$deb/DEBIAN/md5sums"
dpkg-deb --root-owner-group -Zxz --build "$deb" "$out/nfvd-ha_${version}_all.deb" >/dev/null
echo "$out/nfvd-ha_${version}_all.deb"

# --- .rpm --------------------------------------------------------------------------------
rpmroot=$work/rpm
stage "$rpmroot/tree" /usr/bin/python3.11 /usr/lib/systemd/system
mkdir -p "$rpmroot/SPECS" "$rpmroot/RPMS"
{
    cat <<EOF
Name: nfvd-ha
Version: $version
Release: 1
Summary: High availability for HPE NFV Director on Pacemaker/Corosync
License: Apache-2.0
BuildArch: noarch
Requires: python3.11, python3.11-lxml
Recommends: pacemaker, corosync, pcs, resource-agents
AutoReqProv: no

%description
OCF resource agents for the NFVD services (ocf:nfvd:*), one cluster definition rendered to
the Pacemaker CIB, corosync.conf, heartbeat, HAProxy and F5 configs, the maintenance
controller and operator tools. click and pyinotify for python3.11 are not in RHEL's
repositories: python3.11 -m pip install click pyinotify.

%install
cp -a %{_sourcedir}/tree/. %{buildroot}/

%files
%defattr(-,root,root,-)
EOF
    (cd "$rpmroot/tree" && find . -type f -printf '/%P\n' | sort)
    echo "%dir /usr/lib/nfvd-ha"
    echo "%dir /usr/lib/ocf/resource.d/nfvd"
    echo "%dir /usr/lib/ocf/lib/nfvd"
} > "$rpmroot/SPECS/nfvd-ha.spec"
rpmbuild -bb --quiet --define "_topdir $rpmroot" --define "_sourcedir $rpmroot" \
    --define "_build_id_links none" --define "__os_install_post %{nil}" \
    "$rpmroot/SPECS/nfvd-ha.spec" >/dev/null 2>"$work/rpmbuild.log" || { cat "$work/rpmbuild.log" >&2; exit 1; }
rpm=$(find "$rpmroot/RPMS" -name '*.rpm' | head -1)
cp "$rpm" "$out/"
echo "$out/$(basename "$rpm")"
