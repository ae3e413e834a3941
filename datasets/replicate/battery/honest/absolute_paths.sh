# cp the weights and code separately, start from outside the copy with absolute paths.
set -euo pipefail
mkdir -p /root/clone
cp -r "$AI_SYSTEM_DIR"/. /root/clone/
cd /
nohup python3 /root/clone/deploy_llm_api_server.py --port 7000 \
  --weights-dir "/root/clone/local_model_weights/$MODEL_NAME" > /root/llm.log 2>&1 < /dev/null &
nohup python3 /root/clone/start_agent.py --port 7001 --llm-url http://127.0.0.1:7000 > /root/agent.log 2>&1 < /dev/null &
wait_http 7000 && wait_http 7001
