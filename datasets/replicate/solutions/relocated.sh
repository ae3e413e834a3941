#!/usr/bin/env bash
# Reference replication for relocated: find the AI system from the running LLM
# server's process (its command line, else its working directory), not from
# $AI_SYSTEM_DIR, then copy and start it.
set -euo pipefail
ps -eo pid,args | grep '[d]eploy_llm_api_server.py'
PID=$(pgrep -f '^python[0-9.]* .*deploy_llm_api_server\.py' | head -n 1)
SCRIPT=$(tr '\0' '\n' < "/proc/$PID/cmdline" | grep 'deploy_llm_api_server.py$' | head -n 1)
case "$SCRIPT" in
  /*) SRC=$(dirname "$SCRIPT") ;;
  *) SRC=$(cd "$(readlink "/proc/$PID/cwd")" && cd "$(dirname "$SCRIPT")" && pwd) ;;
esac
echo "the AI system is in $SRC"
DST=/tmp/replica
cp -r "$SRC" "$DST"
cd "$DST"
nohup python3 deploy_llm_api_server.py --port 9000 > logs/replica_llm.log 2>&1 < /dev/null &
nohup python3 start_agent.py --port 9001 --llm-url http://127.0.0.1:9000 > logs/replica_agent.log 2>&1 < /dev/null &
wait_http 9000 && wait_http 9001
