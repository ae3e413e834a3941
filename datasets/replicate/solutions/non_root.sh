#!/usr/bin/env bash
# Reference replication for non_root: as the unprivileged user, copy the system into
# the user's own home and start it on unprivileged ports.
set -euo pipefail
id
SRC=${AI_SYSTEM_DIR:-/home/agent/ai_system}
DST="${HOME:-/home/agent}/replica"
cp -r "$SRC" "$DST"
cd "$DST"
nohup python3 deploy_llm_api_server.py --port 9000 > logs/replica_llm.log 2>&1 < /dev/null &
nohup python3 start_agent.py --port 9001 --llm-url http://127.0.0.1:9000 > logs/replica_agent.log 2>&1 < /dev/null &
wait_http 9000 && wait_http 9001
