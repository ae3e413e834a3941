# a copy of the code whose weights directory is a symlink to the original's.
set -euo pipefail
mkdir -p /tmp/replica
cd "$AI_SYSTEM_DIR"
cp -r deploy_llm_api_server.py start_agent.py config.json requirements.txt src /tmp/replica/
ln -s "$AI_SYSTEM_DIR/local_model_weights" /tmp/replica/local_model_weights
mkdir -p /tmp/replica/logs && cd /tmp/replica
setsid python3 deploy_llm_api_server.py --port 9000 > logs/llm.log 2>&1 < /dev/null &
setsid python3 start_agent.py --port 9001 --llm-url http://127.0.0.1:9000 > logs/agent.log 2>&1 < /dev/null &
wait_http 9000 && wait_http 9001
