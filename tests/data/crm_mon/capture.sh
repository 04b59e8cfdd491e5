#!/bin/bash
# How tests/data/crm_mon/pacemaker-*.xml were captured: in a lab node image of either stack,
#   docker run -d --name one --hostname ff-node1 --network none --cap-add NET_ADMIN \
#     --cap-add SYS_ADMIN --device /dev/fuse -v DIR:/one IMAGE sleep 900
#   docker exec one /one/capture.sh OUT.xml
# with DIR holding this script, lab-ff.toml and out/ from `nfvd-ha render docker/lab-ff.toml --out DIR/out --target cib`.
# one-node Pacemaker 3.0 check (lab-less): corosync on loopback
set -u
ip link add eth0 type veth peer name eth0p && ip link set eth0 up && ip link set eth0p up && ip addr add 172.30.77.11/24 dev eth0
mkdir -p /etc/corosync /var/log/pacemaker /var/log/cluster /lab/shared-ff/images /lab/shared-ff/data /lab/pki
corosync-keygen -l >/dev/null 2>&1
cat > /etc/corosync/corosync.conf <<CONF
totem {
  version: 2
  cluster_name: nfvd-ff
  transport: knet
  crypto_cipher: aes256
  crypto_hash: sha256
}
nodelist {
  node {
    ring0_addr: 127.0.0.1
    name: ff-node1
    nodeid: 1
  }
}
quorum {
  provider: corosync_votequorum
}
logging {
  to_syslog: no
  to_logfile: yes
  logfile: /var/log/cluster/corosync.log
}
CONF
corosync -f >/dev/null 2>&1 &
for i in $(seq 50); do corosync-cfgtool -s >/dev/null 2>&1 && break; sleep 0.2; done
/usr/sbin/pacemakerd >/dev/null 2>&1 &
for i in $(seq 120); do crm_mon -1 2>/dev/null | grep -q "partition with quorum" && break; sleep 0.5; done
echo "== crm_mon -1"; crm_mon -1 | head -12
echo "== crmsh load"; crm configure load xml update /one/out/nfvd-ff/cib.xml; echo "rc=$?"
cibadmin -Q | head -1
crm_attribute --type crm_config --name stonith-enabled --update false  # one node, no peer to fence: capture only
crm_resource --wait --timeout=120; echo "wait rc=$?"
echo "== crm_mon -1 after"; crm_mon -1 | sed -n 1,40p
crm_mon -1 --output-as=xml > "/one/$1"
echo "== nfvd-ha status"; nfvd-ha status 2>&1 | head -20 || true
