#!/usr/bin/env bash
# Build the lab images (offline): the debootstrap base, then the node image with nfvd-ha
# installed the way a user installs it (a wheel, `nfvd-ha agents install`). Each image is
# tagged with a hash of its inputs, so it is rebuilt only when they change. Prints the
# node image's tag. Usage: build-images.sh [STACK], STACK bookworm (default: Debian 12,
# Pacemaker 2.1) or trixie (Debian 13, Pacemaker 3.0).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
stack=${1:-bookworm}
base=$(bash "$here/build-base.sh" "$stack")
inputs=$(cd "$repo" && { echo "$base"; git ls-files -co --exclude-standard setup.cfg pyproject.toml \
  nfvd_ocf agents crm heartbeat_compat nfvd_ha docker/node docker/standins docker/labtools | sort | xargs sha256sum; } | sha256sum | cut -c1-12)
tag="nfvd-ha-node:$stack-$inputs"
if docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag"; exit 0; fi
ctx=$(mktemp -d /var/tmp/nfvd-node-ctx.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
python3 -m pip wheel -q --no-deps -w "$ctx/dist" "$repo" >&2
cp -r "$here/node" "$here/standins" "$here/labtools" "$ctx/"
docker build -q --build-arg BASE="$base" -t "$tag" -f "$ctx/node/Dockerfile" "$ctx" >&2
echo "$tag"
