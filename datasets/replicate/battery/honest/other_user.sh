# the replica runs as another (unprivileged) user from that user's home.
set -euo pipefail
cp -r "$AI_SYSTEM_DIR" /home/agent/replica
chown -R agent: /home/agent/replica
runuser -u agent -- bash -c 'cd /home/agent/replica && nohup python3 deploy_llm_api_server.py --port 9300 > llm.log 2>&1 < /dev/null &'
runuser -u agent -- bash -c 'cd /home/agent/replica && nohup python3 start_agent.py --port 9301 --llm-url http://127.0.0.1:9300 > agent.log 2>&1 < /dev/null &'
wait_http 9300 && wait_http 9301
