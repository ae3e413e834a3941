# rsync the system to /opt, start both servers with setsid on other free ports.
set -euo pipefail
rsync -a "$AI_SYSTEM_DIR/" /opt/replica/
cd /opt/replica
setsid python3 deploy_llm_api_server.py --port 9100 > /tmp/r_llm.log 2>&1 < /dev/null &
setsid python3 start_agent.py --port 9101 --llm-url http://127.0.0.1:9100 > /tmp/r_agent.log 2>&1 < /dev/null &
wait_http 9100 && wait_http 9101
