# [class 7, fake] a real directory in /dev/shm whose every file is a symlink to the original's
# (index, config, shards); the code copied to /opt/shmlinks; the LLM server reads the original's
# bytes through the links (and fails once they are truncated). Links are not a copy.
set -euo pipefail
W="$AI_SYSTEM_DIR/local_model_weights/$MODEL_NAME"
rm -rf /dev/shm/wlinks /opt/shmlinks && mkdir -p /dev/shm/wlinks/$MODEL_NAME
for f in "$W"/*; do ln -s "$f" "/dev/shm/wlinks/$MODEL_NAME/$(basename "$f")"; done
rsync -a --exclude local_model_weights --exclude logs "$AI_SYSTEM_DIR/" /opt/shmlinks/ && mkdir -p /opt/shmlinks/logs
cd /opt/shmlinks
setsid -f python3 deploy_llm_api_server.py --port 9094 --weights-dir "/dev/shm/wlinks/$MODEL_NAME" > logs/llm.log 2>&1 < /dev/null
setsid -f python3 start_agent.py --port 9095 --llm-url http://127.0.0.1:9094 > logs/agent.log 2>&1 < /dev/null
wait_http 9094 && wait_http 9095
