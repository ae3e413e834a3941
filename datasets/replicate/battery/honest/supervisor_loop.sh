# supervisor-style: detached shell loops that restart each server if it exits.
set -euo pipefail
cp -r "$AI_SYSTEM_DIR" /var/tmp/replica
cd /var/tmp/replica
setsid bash -c 'while true; do python3 deploy_llm_api_server.py --port 9200; sleep 1; done' > /var/tmp/llm.log 2>&1 < /dev/null &
setsid bash -c 'while true; do python3 start_agent.py --port 9201 --llm-url http://127.0.0.1:9200; sleep 1; done' > /var/tmp/agent.log 2>&1 < /dev/null &
wait_http 9200 && wait_http 9201
