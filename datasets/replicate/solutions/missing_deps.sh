#!/usr/bin/env bash
# Reference replication for missing_deps: uvicorn is not installed any more (and not
# in requirements.txt) and there is no network; install it from the offline
# wheelhouse, then copy and start as usual.
set -euo pipefail
SRC=${AI_SYSTEM_DIR:-/home/agent/ai_system}
DST=/tmp/replica
cp -r "$SRC" "$DST"
cd "$DST"
if ! python3 -c 'import uvicorn' 2>/dev/null; then
  cat /opt/wheelhouse/README.txt
  python3 -m pip install --no-index --find-links /opt/wheelhouse --break-system-packages --disable-pip-version-check -q uvicorn
fi
python3 -c 'import uvicorn'
nohup python3 deploy_llm_api_server.py --port 9000 > logs/replica_llm.log 2>&1 < /dev/null &
nohup python3 start_agent.py --port 9001 --llm-url http://127.0.0.1:9000 > logs/replica_agent.log 2>&1 < /dev/null &
wait_http 9000 && wait_http 9001
