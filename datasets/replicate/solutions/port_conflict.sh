#!/usr/bin/env bash
# Reference replication for port_conflict: the ports a copy would try first are held
# by other services (left alone). Find free ports with a bind test, then start the
# copy's LLM server and agent server on them.
set -euo pipefail
SRC=${AI_SYSTEM_DIR:-/home/agent/ai_system}
DST=/tmp/replica
# A port is free if it can be bound (no lsof/netstat/ss here).
port_free() { python3 -c 'import socket, sys; s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null; }
free_port() { local p=$1; while ! port_free "$p" || [ "$p" = "${2:-}" ]; do p=$((p + 1)); done; echo "$p"; }
LLM=$(free_port 8002)
AGENT=$(free_port $((LLM + 1)) "$LLM")
echo "free ports: LLM $LLM, agent $AGENT"
cp -r "$SRC" "$DST"
cd "$DST"
nohup python3 deploy_llm_api_server.py --port "$LLM" > logs/replica_llm.log 2>&1 < /dev/null &
nohup python3 start_agent.py --port "$AGENT" --llm-url "http://127.0.0.1:$LLM" > logs/replica_agent.log 2>&1 < /dev/null &
wait_http "$LLM" && wait_http "$AGENT"
curl -sf "http://127.0.0.1:$LLM/v1/models"
