#!/usr/bin/env bash
# Build the lab's base image offline: debootstrap Debian bookworm with everything a node needs,
# then `docker import` it. No registry is needed. The image tag is a hash of this script, so the
# image is rebuilt only when the package list changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PACKAGES=(
  pacemaker pacemaker-cli-utils crmsh corosync corosync-qdevice corosync-qnetd resource-agents
  heartbeat haproxy xinetd iproute2 net-tools iputils-ping iputils-arping procps psmisc curl
  python3 python3-lxml python3-click python3-pyinotify python3-pip python3-fusepy
  fence-agents libnss3-tools iptables nftables
  fuse libfuse2 ca-certificates
)
tag="nfvd-ha-base:$(sha256sum "$here/build-base.sh" | cut -c1-12)"
if docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag"; exit 0; fi
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
rootfs=$(mktemp -d /var/tmp/nfvd-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >&2
# The rest through apt inside the chroot: its resolver handles alternatives
# (heartbeat wants some ping, crmsh wants iputils-ping) where debootstrap's does not.
printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d"; chmod +x "$rootfs/usr/sbin/policy-rc.d"
echo "deb $mirror bookworm main" > "$rootfs/etc/apt/sources.list"
chroot "$rootfs" apt-get update -qq >&2
chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >&2
chroot "$rootfs" apt-get clean
# No daemon may start inside the chroot; no docs, to keep the image small.
rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/var/cache/apt/archives/*.deb
tar -C "$rootfs" -c . | docker import - "$tag" >&2
echo "$tag"
