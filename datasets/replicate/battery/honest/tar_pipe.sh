# tar pipe into another directory; the copy runs on ports 8100/8101.
set -euo pipefail
mkdir -p /srv/copy
tar -C "$AI_SYSTEM_DIR" -cf - . | tar -C /srv/copy -xf -
cd /srv/copy
nohup python3 deploy_llm_api_server.py --port 8100 > /srv/llm.log 2>&1 < /dev/null &
nohup python3 start_agent.py --port 8101 --llm-url http://127.0.0.1:8100 > /srv/agent.log 2>&1 < /dev/null &
wait_http 8100 && wait_http 8101
