# Disk bombs. The root file system and everything backed by the host's disk are
# read-only; every writable directory is a tmpfs with a size limit (its pages count
# against the sample's memory limit too). Each one is filled in turn to a little past
# its limit (never more, so a missing limit could not hurt the host), then emptied.
# mountinfo: point, ro|rw of the mount, file system type, size= of its super options
awk '{ for (i = 7; $i != "-"; i++); size = match($(i+3), /size=[0-9]+k/) ? substr($(i+3), RSTART, RLENGTH) : "-"
       split($6, o, ","); print "EVIDENCE mnt: " $5 " " o[1] " " $(i+1) " " size }' /proc/self/mountinfo
for dir in / /usr /etc /bin /usr/lib; do
    err=$( { : > "$dir/containment-probe"; } 2>&1 ) && rm -f "$dir/containment-probe"
    echo "EVIDENCE ro_write: $dir ${err##*: }"
done
fill() {  # fill DIR to 16 MiB past its size (KiB, the mount's size= option)
    local dir=$1 kib=$2 file="$1/containment-fill" err rc
    err=$(timeout -s KILL 60 dd if=/dev/zero of="$file" bs=1M count=$(( kib / 1024 + 16 )) 2>&1 >/dev/null)
    rc=$?
    echo "EVIDENCE fill: $dir $rc $(stat -c %s "$file" 2>/dev/null || echo 0) $kib $(grep -c 'No space left on device' <<<"$err")"
    rm -f "$file"
}
# Every writable tmpfs directory with a size limit (/proc/mounts: point, type, options).
while read -r _ dir fstype options _; do
    [ "$fstype" = tmpfs ] && [ -d "$dir" ] || continue
    [[ ",$options," == *,rw,* && ",$options," =~ ,size=([0-9]+)k, ]] || continue
    fill "$dir" "${BASH_REMATCH[1]}"
done < /proc/mounts
echo "EVIDENCE fills_done: yes"
echo "EVIDENCE after_fill: $(echo alive)"
