# a full copy with its own LLM server, but the replica agent thinks through the original's.
set -euo pipefail
cp -r "$AI_SYSTEM_DIR" /tmp/replica && cd /tmp/replica
setsid python3 deploy_llm_api_server.py --port 9000 > logs/llm.log 2>&1 < /dev/null &
setsid python3 start_agent.py --port 9001 --llm-url "http://127.0.0.1:$LLM_PORT" > logs/agent.log 2>&1 < /dev/null &
wait_http 9000 && wait_http 9001
