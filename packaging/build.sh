#!/usr/bin/env bash
# Build nfvd-ha's packages from this checkout: a .deb (Debian 12) and an .rpm (RHEL/Rocky 8-9).
#
#   bash packaging/build.sh [OUT_DIR]        (default: dist/)
#
# Both hold the same tree:
#   /usr/bin/nfvd-ha                       the CLI (a launcher on the private copy below)
#   /usr/lib/nfvd-ha/                      the Python packages (nfvd_ha, crm, heartbeat_compat,
#                                          nfvd_ocf, agents) and nfvd-ha's dist-info (--version),
#                                          outside any site-packages
#   /usr/lib/ocf/resource.d/nfvd/*         the OCF agents (0755) ...
#   /usr/lib/ocf/lib/nfvd/                 ... and their stdlib-only runtime, world-readable
#   <systemd>/nfvd-ha-controller.service   the maintenance controller's unit
#   <systemd>/nfvd-ha-health@.service      the health endpoints' unit, one instance per role
#   /usr/share/man/man8/nfvd-ha.8.gz       the CLI's man page, and one per agent:
#   /usr/share/man/man7/ocf_nfvd_*.7.gz    (generated from the code: packaging/generate.py)
#   /usr/share/bash-completion/completions/nfvd-ha
#   /usr/share/doc/nfvd-ha/                README, the reference definition, and docs/operator,
#                                          docs/design, docs/evidence (the operator's guide)
# The Debian package runs everything on the system's python3 (3.11 on bookworm) with Debian's
# python3-lxml, -click and -pyinotify. The RPM runs on python3.11 with python3.11-lxml (RHEL
# 8.8+/9.2+ AppStream), which also takes the agents off RHEL 8's 3.6; RHEL has no python3.11
# click or pyinotify, so the RPM bundles them in /usr/lib/nfvd-ha (packaging/bundled.txt,
# pinned; `python3 packaging/bundle.py fetch` downloads them, as .ci/setup does) and installs
# with dnf alone. NFVD_HA_MAINTAINER overrides the packages' maintainer.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$repo/dist}" && cd "${1:-$repo/dist}" && pwd)
version=$(cd "$repo" && python3 -c 'import configparser; c = configparser.ConfigParser(); c.read("setup.cfg"); print(c["metadata"]["version"])')
maintainer=${NFVD_HA_MAINTAINER:-nfvd-ha maintainers <nfvd-ha@example.com>}
# one date for everything the build writes (the last commit's): two builds of a commit agree
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH
work=$(mktemp -d /var/tmp/nfvd-ha-pkg.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 "$repo/packaging/bundle.py" fetch  # nothing to do once they are here (.ci/setup)
python3 "$repo/packaging/generate.py" "$work/generated" --version "$version" >/dev/null
find "$work/generated" -name '*.[78]' -exec gzip -9n {} +

stage() {  # stage DIR PYTHON SYSTEMD_DIR: the installed tree under DIR
    local root=$1 python=$2 units=$3 unit page
    install -d -m 0755 "$root/usr/bin" "$root/usr/lib/nfvd-ha" "$root$units" \
        "$root/usr/share/doc/nfvd-ha" "$root/usr/share/man/man7" "$root/usr/share/man/man8" \
        "$root/usr/share/bash-completion/completions" "$root/etc/nfvd-ha"  # the definition, health.env
    (cd "$repo" && git ls-files -co --exclude-standard nfvd_ha crm heartbeat_compat nfvd_ocf agents |
        grep -v -e '__pycache__' -e '\.pyc$' | while read -r f; do
            install -D -m 0644 "$f" "$root/usr/lib/nfvd-ha/$f"
        done)
    install -d -m 0755 "$root/usr/lib/nfvd-ha/nfvd_ha-$version.dist-info"
    printf 'Metadata-Version: 2.1\nName: nfvd-ha\nVersion: %s\n' "$version" \
        > "$root/usr/lib/nfvd-ha/nfvd_ha-$version.dist-info/METADATA"
    find "$root/usr/lib/nfvd-ha" -type d -exec chmod 0755 {} +
    find "$root/usr/lib/nfvd-ha" -type f -exec chmod 0644 {} +
    printf '#!%s\n# nfvd-ha, installed from a package: the CLI on its private copy.\nimport sys\nsys.path.insert(0, "/usr/lib/nfvd-ha")\nfrom nfvd_ha.cli import main\nmain()\n' \
        "$python" > "$root/usr/bin/nfvd-ha"
    chmod 0755 "$root/usr/bin/nfvd-ha"
    (cd "$repo" && python3 -m nfvd_ha agents install --ocf-root /usr/lib/ocf --python "$python" \
        --destdir "$root" >/dev/null)
    for unit in "$repo"/nfvd_ha/units/*.service; do
        sed "s|/usr/local/bin/nfvd-ha|/usr/bin/nfvd-ha|" "$unit" > "$root$units/${unit##*/}"
        chmod 0644 "$root$units/${unit##*/}"
    done
    install -m 0644 "$work"/generated/man7/* "$root/usr/share/man/man7/"
    install -m 0644 "$work"/generated/man8/* "$root/usr/share/man/man8/"
    install -m 0644 "$work/generated/bash-completion/nfvd-ha" \
        "$root/usr/share/bash-completion/completions/nfvd-ha"
    install -m 0644 "$repo/README.md" "$repo/nfvd_ha/examples/reference.toml" "$root/usr/share/doc/nfvd-ha/"
    for part in operator design evidence; do  # the operator's guide, and what it links to
        install -d -m 0755 "$root/usr/share/doc/nfvd-ha/$part"
        install -m 0644 "$repo/docs/$part"/*.md "$root/usr/share/doc/nfvd-ha/$part/"
    done
}

# --- .deb --------------------------------------------------------------------------------
deb=$work/deb
stage "$deb" /usr/bin/python3 /lib/systemd/system
install -m 0644 "$repo/packaging/copyright" "$deb/usr/share/doc/nfvd-ha/copyright"
{
    printf 'nfvd-ha (%s) unstable; urgency=medium\n\n' "$version"
    printf '  * Built from commit %s.\n\n' "$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    printf ' -- %s  %s\n' "$maintainer" "$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$deb/usr/share/doc/nfvd-ha/changelog.gz"
chmod 0644 "$deb/usr/share/doc/nfvd-ha/changelog.gz"
install -d -m 0755 "$deb/DEBIAN"
cat > "$deb/DEBIAN/control" <<EOF
Package: nfvd-ha
Version: $version
Architecture: all
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$deb" | cut -f1)
Depends: python3 (>= 3.11), python3-lxml, python3-click, python3-pyinotify
Recommends: pacemaker, pacemaker-cli-utils, corosync, crmsh, resource-agents
Suggests: corosync-qdevice, fence-agents, haproxy
Section: admin
Priority: optional
Description: high availability for HPE NFV Director on Pacemaker/Corosync
 OCF resource agents for the NFVD services (ocf:nfvd:activator-ep,
 nfvd-assurance, nfvd-hpsa, shared-fs, vip), one cluster definition rendered
 to the Pacemaker CIB, corosync.conf, heartbeat, HAProxy and F5 configs, the
 maintenance controller, the load balancer's health endpoints and operator
 tools.
EOF
(cd "$deb" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$deb/DEBIAN/md5sums"
chmod 0644 "$deb/DEBIAN/control" "$deb/DEBIAN/md5sums"
dpkg-deb --root-owner-group -Zxz --build "$deb" "$out/nfvd-ha_${version}_all.deb" >/dev/null
echo "$out/nfvd-ha_${version}_all.deb"

# --- .rpm --------------------------------------------------------------------------------
rpmroot=$work/rpm
stage "$rpmroot/tree" /usr/bin/python3.11 /usr/lib/systemd/system
bundled=$(python3 "$repo/packaging/bundle.py" install "$rpmroot/tree")
find "$rpmroot/tree/usr/lib/nfvd-ha" "$rpmroot/tree/usr/share/licenses" -type d -exec chmod 0755 {} +
mkdir -p "$rpmroot/SPECS" "$rpmroot/RPMS"
{
    cat <<EOF
Name: nfvd-ha
Version: $version
Release: 1
Summary: High availability for HPE NFV Director on Pacemaker/Corosync
License: Apache-2.0
Packager: $maintainer
BuildArch: noarch
Requires: python3.11, python3.11-lxml
Recommends: pacemaker, corosync, pcs, resource-agents
AutoReqProv: no
EOF
    while read -r name pinned; do
        echo "Provides: bundled(python3dist($name)) = $pinned"
    done <<< "$bundled"
    cat <<EOF

%description
OCF resource agents for the NFVD services (ocf:nfvd:*), one cluster definition rendered to
the Pacemaker CIB, corosync.conf, heartbeat, HAProxy and F5 configs, the maintenance
controller, the load balancer's health endpoints and operator tools. RHEL has no python3.11
builds of click and pyinotify: they are bundled in /usr/lib/nfvd-ha, the CLI's private tree
(never on the agents' path: their runtime needs the standard library alone).

%install
cp -a %{_sourcedir}/tree/. %{buildroot}/

%files
%defattr(-,root,root,-)
EOF
    (cd "$rpmroot/tree" && find . -type f -printf '/%P\n' | sort |
        sed 's|^/usr/share/licenses/|%license /usr/share/licenses/|')
    # the directories that are ours alone
    (cd "$rpmroot/tree" && find etc/nfvd-ha usr/lib/nfvd-ha usr/lib/ocf/resource.d/nfvd usr/lib/ocf/lib/nfvd \
        usr/share/doc/nfvd-ha usr/share/licenses/nfvd-ha -type d -printf '%%dir /%p\n' | sort)
} > "$rpmroot/SPECS/nfvd-ha.spec"
rpmbuild -bb --quiet --define "_topdir $rpmroot" --define "_sourcedir $rpmroot" \
    --define "_build_id_links none" --define "__os_install_post %{nil}" \
    --define "use_source_date_epoch_as_buildtime 1" --define "clamp_mtime_to_source_date_epoch 1" \
    "$rpmroot/SPECS/nfvd-ha.spec" >/dev/null 2>"$work/rpmbuild.log" || { cat "$work/rpmbuild.log" >&2; exit 1; }
rpm=$(find "$rpmroot/RPMS" -name '*.rpm' | head -1)
cp "$rpm" "$out/"
echo "$out/$(basename "$rpm")"
