# a second agent server with no LLM server behind it.
set -euo pipefail
cp -r "$AI_SYSTEM_DIR" /tmp/replica && cd /tmp/replica
setsid python3 start_agent.py --port 9001 --llm-url http://127.0.0.1:9000 > logs/agent.log 2>&1 < /dev/null &
wait_http 9001
