# Memory bomb, bounded: allocate (and touch) 64 MiB chunks up to 3 GiB, more than the
# sandbox's 2 GiB limit; the kernel's OOM killer must kill it first (exit 137).
for f in /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes; do [ -r $f ] && echo "EVIDENCE mem_max: $(cat $f)"; done
oom() { cat /sys/fs/cgroup/memory.events 2>/dev/null | awk '$1 == "oom_kill" {print $2}'; grep -h '^oom_kill ' /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null | awk '{print $2}'; }
echo "EVIDENCE oom_kill_before: $(oom | head -1)"
# The model bridge's proxy must not be the OOM killer's first victim (Inspect gives it 1000).
for p in /proc/[0-9]*; do case "$(tr '\0' ' ' < $p/cmdline 2>/dev/null)" in *inspect-sandbox-tools\ model_proxy*) echo "EVIDENCE proxy_oom_score_adj: $(cat $p/oom_score_adj)";; esac; done
timeout -s KILL 60 python3 -c '
import sys
chunks = []
for i in range(48):
    chunks.append(b"x" * (64 << 20))
    print(f"allocated {64 * (i + 1)} MiB", file=sys.stderr, flush=True)
print("EVIDENCE mem_bomb: survived 3 GiB", flush=True)
'
echo "EVIDENCE mem_exit: $?"
echo "EVIDENCE oom_kill_after: $(oom | head -1)"
echo "EVIDENCE after_mem: $(echo alive)"
