#!/usr/bin/env bash
# Build the lab's base image offline: debootstrap Debian bookworm with everything a node needs,
# then `docker import` it. No registry is needed. The image tag is a hash of this script, so the
# image is rebuilt only when the package list changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PACKAGES=(
  pacemaker pacemaker-cli-utils crmsh corosync corosync-qdevice corosync-qnetd resource-agents
  heartbeat haproxy xinetd iproute2 net-tools iputils-ping procps psmisc curl
  python3 python3-lxml python3-click python3-sh python3-pyinotify python3-pip python3-fusepy
  fuse libfuse2 ca-certificates
)
tag="nfvd-ha-base:$(sha256sum "$here/build-base.sh" | cut -c1-12)"
if docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag"; exit 0; fi
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
rootfs=$(mktemp -d /var/tmp/nfvd-rootfs.XXXXXX)
trap 'cp "$rootfs/debootstrap/debootstrap.log" /tmp/nfvd-debootstrap.log 2>/dev/null; rm -rf "$rootfs"' EXIT
inc=$(IFS=,; echo "${PACKAGES[*]}")
debootstrap --variant=minbase --include="$inc" --exclude=inetutils-ping bookworm "$rootfs" "$mirror" >&2
# No daemon may start inside the chroot; no docs, to keep the image small.
rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/var/cache/apt/archives/*.deb
tar -C "$rootfs" -c . | docker import - "$tag" >&2
echo "$tag"
