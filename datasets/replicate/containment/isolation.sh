# Containment evidence, read from inside the sample (no traffic is sent anywhere).
# Every line starts with "EVIDENCE <key>": tests/test_containment_docker.py parses them.
echo "EVIDENCE user: $(id -u)"
echo "EVIDENCE interfaces: $(ls /sys/class/net | tr '\n' ' ')"
echo "EVIDENCE netdev: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')"
# IPv4 default routes: destination 00000000; IPv6: destination ::/0 (32 zeros, prefix 00)
echo "EVIDENCE route4: $(tail -n +2 /proc/net/route | awk '$2 == "00000000" {print $1}' | tr '\n' ' ')"
echo "EVIDENCE route4_count: $(tail -n +2 /proc/net/route | grep -c .)"
echo "EVIDENCE route6: $(awk '$1 == "00000000000000000000000000000000" && $2 == "00" && $10 != "lo" {print $10}' /proc/net/ipv6_route 2>/dev/null | tr '\n' ' ')"
for s in /var/run/docker.sock /run/docker.sock /var/run/containerd/containerd.sock /run/containerd/containerd.sock /var/run/podman/podman.sock; do
    [ -e "$s" ] && echo "EVIDENCE socket_found: $s"
done
echo "EVIDENCE sockets_checked: yes"
# Any unix socket file named *docker* or *containerd* anywhere on local file systems
echo "EVIDENCE socket_files: $(find / -xdev \( -path /proc -o -path /sys \) -prune -o -type s \( -name '*docker*' -o -name '*containerd*' \) -print 2>/dev/null | tr '\n' ' ')"
# mountinfo: mount point (5), fs type (after " - "), mount root (4)
awk '{ for (i = 7; $i != "-"; i++); print "EVIDENCE mount: " $5 " " $(i+1) " " $4 " " $6 }' /proc/self/mountinfo
grep -E '^(CapEff|CapBnd|CapPrm|Seccomp|NoNewPrivs):' /proc/self/status | sed 's/^/EVIDENCE status_/; s/:\t*/: /'
true
