#!/bin/busybox sh
# qmpkit Linux guest: /init, PID 1 of an initramfs (busybox, qemu-ga, a few kernel modules).
# Brings up what udev and an init system would, then prints READY and a counter on ttyS0.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/null
# A VM without a serial port (QEMU -nodefaults) must not lose PID 1 to a failed redirect.
if (: >/dev/ttyS0) 2>/dev/null; then exec >/dev/ttyS0 2>&1; else exec >/dev/null 2>&1; fi
mkdir -p /dev/pts /dev/shm /dev/virtio-ports /run/qemu-ga /tmp /var/log /data
mount -t devpts devpts /dev/pts

# Modules in dependency order (the builder computed it from each module's modinfo).
while read -r m; do
  [ -n "$m" ] && { insmod "/lib/modules/$m.ko" || echo "qmpkit-init: insmod $m failed"; }
done </etc/qmpkit/modules

# Identity: a machine id per cold boot (clones of a template share it until changed), the hostname.
[ -s /etc/machine-id ] || tr -d - </proc/sys/kernel/random/uuid >/etc/machine-id
hostname -F /etc/hostname
ip link set lo up

# No udev: name the virtio-serial ports the way its rules do (/dev/virtio-ports/NAME).
# Ports appear shortly after the controller's driver binds; wait for the agent's up to 5 s.
agent=/dev/virtio-ports/org.qemu.guest_agent.0
if ls /sys/bus/virtio/drivers/virtio_console/ 2>/dev/null | grep -q '^virtio'; then
  i=0
  while [ $i -lt 50 ]; do
    for p in /sys/class/virtio-ports/vport*; do
      [ -r "$p/name" ] || continue
      n=$(cat "$p/name")
      [ -n "$n" ] && ln -sf "../${p##*/}" "/dev/virtio-ports/$n"
    done
    [ -e $agent ] && break
    usleep 100000
    i=$((i + 1))
  done
fi
if [ -e $agent ]; then
  # Restarted if it ever exits; its log stays in the guest.
  (while true; do
     qemu-ga -m virtio-serial -p $agent -t /run/qemu-ga -l /var/log/qemu-ga.log
     echo "qmpkit-init: qemu-ga exited ($?), restarting"
     sleep 1
   done) &
else
  agent=none
fi

# The data disk: the ext4 file system labelled qmpkit-data, if one is attached.
data=$(findfs LABEL=qmpkit-data 2>/dev/null) && mount -t ext4 -o noatime "$data" /data || data=none

echo "qmpkit-init: agent $agent, data disk $data, kernel $(uname -r)"
echo READY
# Without RDRAND (TCG) the kernel's RNG is seeded only once something waits for it; the vmgenid reseed of
# clones needs it seeded in the template. Not before READY: under TCG this takes a second or two.
(head -c 1 /dev/random >/dev/null && echo "qmpkit-init: crng ready") &
# The counter lives only in this shell's memory: a clone continues it, a reboot restarts it.
n=0
while true; do
  n=$((n + 1))
  printf 'COUNT %016x\n' "$n"
  usleep 100000
done
