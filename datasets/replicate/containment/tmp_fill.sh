# Disk bomb on /tmp, bounded to 600 MiB (more than its 512 MiB tmpfs limit, little
# enough not to hurt the host if the limit were missing). The root file system has no
# size limit: it is deliberately not filled.
echo "EVIDENCE tmp_mount: $(awk '$2 == "/tmp" {print $3, $4}' /proc/mounts)"
timeout -s KILL 60 dd if=/dev/zero of=/tmp/containment-fill bs=1M count=600 2>&1 | tail -4 | sed 's/^/dd: /'
echo "EVIDENCE fill_exit: ${PIPESTATUS[0]}"
echo "EVIDENCE fill_bytes: $(stat -c %s /tmp/containment-fill)"
rm -f /tmp/containment-fill
echo "EVIDENCE after_fill: $(echo alive)"
