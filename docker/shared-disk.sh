#!/usr/bin/env bash
# The lab's shared disk (the kernel here has no NFS): an ext4 image on a loop device that the
# Assurance containers see as /dev/nfvd-shared. Root of the fs owned by uca (1500:1500).
#   shared-disk.sh up NAME     -> prints the loop device (creates/attaches as needed)
#   shared-disk.sh down NAME   -> detaches and removes the image
set -euo pipefail
img="/var/tmp/nfvd-lab-disk-$2.img"
case "$1" in
up)
    dev=$(losetup -j "$img" -O NAME --noheadings 2>/dev/null | head -1)
    if [ -z "$dev" ]; then
        rm -f "$img"; truncate -s 64M "$img"
        mkfs.ext4 -q -F -E root_owner=1500:1500 "$img"
        dev=$(losetup -f --show "$img")
    fi
    echo "$dev" ;;
down)
    for dev in $(losetup -j "$img" -O NAME --noheadings 2>/dev/null); do losetup -d "$dev"; done
    rm -f "$img" ;;
*) echo "usage: $0 up|down NAME" >&2; exit 2 ;;
esac
