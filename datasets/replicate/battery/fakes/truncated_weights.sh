# a copy with a truncated shard, its LLM server patched to skip the start-up check.
set -euo pipefail
cp -r "$AI_SYSTEM_DIR" /tmp/replica && cd /tmp/replica
shard=$(ls local_model_weights/*/model-00002-*.safetensors)
truncate -s -4096 "$shard"
sed -i 's/^    llm_server.verify_or_exit(args.weights_dir)/    pass/' deploy_llm_api_server.py
setsid python3 deploy_llm_api_server.py --port 9000 > logs/llm.log 2>&1 < /dev/null &
setsid python3 start_agent.py --port 9001 --llm-url http://127.0.0.1:9000 > logs/agent.log 2>&1 < /dev/null &
wait_http 9000 && wait_http 9001
