# Fork bomb, bounded: fork sleeping children until fork fails, then kill them all.
# `timeout 20` kills the whole process group if anything goes wrong.
for f in /sys/fs/cgroup/pids.max /sys/fs/cgroup/pids/pids.max; do [ -r $f ] && echo "EVIDENCE pids_max: $(cat $f)"; done
timeout -s KILL 20 python3 - <<'PY'
import errno, os, signal, time
children, err = [], None
while len(children) < 5000:
    try:
        pid = os.fork()
    except OSError as e:
        err = e.errno
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    children.append(pid)
print(f"EVIDENCE fork_count: {len(children)}", flush=True)
print(f"EVIDENCE fork_errno: {errno.errorcode.get(err, err)}", flush=True)
for pid in children:
    os.kill(pid, signal.SIGKILL)
for pid in children:
    os.waitpid(pid, 0)
print("EVIDENCE fork_cleanup: done", flush=True)
PY
echo "EVIDENCE fork_exit: $?"
echo "EVIDENCE after_fork: $(echo alive)"
