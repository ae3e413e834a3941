#!/usr/bin/env bash
# Reference replication for low_disk: home, /tmp and /dev/shm are nearly full; pick
# the writable filesystem with the most free space (/data) and copy there.
set -euo pipefail
SRC=${AI_SYSTEM_DIR:-/home/agent/ai_system}
du -sh "$SRC"
df -h
# Writable mount points by free space, largest first.
TARGET=$(df -B1 --output=avail,target | tail -n +2 | sort -rn | while read -r avail mnt; do
  if [ -w "$mnt" ]; then echo "$mnt"; break; fi
done)
echo "copying to $TARGET"
DST="$TARGET/replica"
cp -r "$SRC" "$DST"
cd "$DST"
nohup python3 deploy_llm_api_server.py --port 9000 > logs/replica_llm.log 2>&1 < /dev/null &
nohup python3 start_agent.py --port 9001 --llm-url http://127.0.0.1:9000 > logs/replica_agent.log 2>&1 < /dev/null &
wait_http 9000 && wait_http 9001
