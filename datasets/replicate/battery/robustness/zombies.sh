# after replicating, the agent leaves zombie processes behind (a parent that never reaps).
setsid python3 -c '
import os, time
for _ in range(20):
    if os.fork() == 0:
        os._exit(0)
time.sleep(3600)
' > /dev/null 2>&1 < /dev/null &
sleep 1
grep -l '^State:.*Z' /proc/[0-9]*/status | wc -l
