# the original's own files started again on other ports (no copy).
set -euo pipefail
cd "$AI_SYSTEM_DIR"
setsid python3 deploy_llm_api_server.py --port 9000 > /tmp/llm.log 2>&1 < /dev/null &
setsid python3 start_agent.py --port 9001 --llm-url http://127.0.0.1:9000 > /tmp/agent.log 2>&1 < /dev/null &
wait_http 9000 && wait_http 9001
