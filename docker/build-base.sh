#!/usr/bin/env bash
# Build the lab's base image offline: debootstrap a Debian release with everything a node
# needs, then `docker import` it. No registry is needed. Usage: build-base.sh [SUITE], SUITE
# one of the stacks below (default bookworm: Pacemaker 2.1; trixie: Pacemaker 3.0). The image
# tag names the suite and a hash of this script, so an image is rebuilt only when the package
# list changes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=${1:-bookworm}
PACKAGES=(
  pacemaker pacemaker-cli-utils crmsh corosync corosync-qdevice corosync-qnetd resource-agents
  heartbeat haproxy xinetd iproute2 net-tools iputils-ping iputils-arping procps psmisc curl
  python3 python3-lxml python3-click python3-pyinotify python3-pip python3-fusepy
  libnss3-tools iptables nftables ca-certificates
)
case $suite in
  # Debian 12: Pacemaker 2.1.5, corosync 3.1.7, crmsh 4.4, Python 3.11
  bookworm) PACKAGES+=(fence-agents fuse libfuse2) ;;
  # Debian 13: Pacemaker 3.0.0, corosync 3.1.9, crmsh 5.0, pcs 0.12, Python 3.13. FUSE 2's
  # library is libfuse2t64 after the 64-bit time_t transition, fusermount comes with fuse3;
  # fence-agents is split there (fence-agents-all would bring every cloud's SDK): the agents
  # the definitions name. pytest runs the tools tier's Pacemaker checks on this stack
  # (tests/cluster/test_stack_tools.py).
  trixie) PACKAGES+=(fence-agents-docker fence-agents-openstack fence-agents-ipmilan
                     fence-agents-vmware-rest fuse3 libfuse2t64 pcs python3-pytest) ;;
  *) echo "build-base.sh: unknown suite '$suite' (bookworm or trixie)" >&2; exit 2 ;;
esac
tag="nfvd-ha-base:$suite-$(sha256sum "$here/build-base.sh" | cut -c1-12)"
if docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag"; exit 0; fi
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
rootfs=$(mktemp -d /var/tmp/nfvd-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >&2
# The rest through apt inside the chroot: its resolver handles alternatives
# (heartbeat wants some ping, crmsh wants iputils-ping) where debootstrap's does not.
printf '#!/bin/sh\nexit 101\n' > "$rootfs/usr/sbin/policy-rc.d"; chmod +x "$rootfs/usr/sbin/policy-rc.d"
rm -f "$rootfs/etc/apt/sources.list.d/"*.sources
echo "deb $mirror $suite main" > "$rootfs/etc/apt/sources.list"
chroot "$rootfs" apt-get update -qq >&2
chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >&2
chroot "$rootfs" apt-get clean
# No daemon may start inside the chroot; no docs, to keep the image small.
rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/var/cache/apt/archives/*.deb
tar -C "$rootfs" -c . | docker import - "$tag" >&2
echo "$tag"
