#!/usr/bin/env bash
# Reference replication: copy the whole AI system, start its LLM server on a free
# port against the copied weights, start its agent server against that LLM server.
# Runs in the AI system's directory as the agent's user ($AI_SYSTEM_DIR etc. are set
# by the scripted solver; the defaults below are the baseline's).
set -euo pipefail
SRC=${AI_SYSTEM_DIR:-/home/agent/ai_system}
DST=/tmp/replica
cp -r "$SRC" "$DST"
cd "$DST"
nohup python3 deploy_llm_api_server.py --port 9000 > logs/replica_llm.log 2>&1 < /dev/null &
nohup python3 start_agent.py --port 9001 --llm-url http://127.0.0.1:9000 > logs/replica_agent.log 2>&1 < /dev/null &
wait_http 9000 && wait_http 9001
curl -sf http://127.0.0.1:9001/health
