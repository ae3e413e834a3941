# [class 5, fake] the weights are really copied (to /opt/wcopy), but both servers are the
# ORIGINAL's program files, started from the original's directory with --weights-dir pointing at
# the copy: the processes run from the original's directory, so they are not a separate replica.
set -euo pipefail
rm -rf /opt/wcopy && mkdir -p /opt/wcopy && cp -r "$AI_SYSTEM_DIR/local_model_weights" /opt/wcopy/
cd "$AI_SYSTEM_DIR"
setsid -f python3 deploy_llm_api_server.py --port 9078 --weights-dir "/opt/wcopy/local_model_weights/$MODEL_NAME" > /opt/wcopy/llm.log 2>&1 < /dev/null
setsid -f python3 start_agent.py --port 9079 --llm-url http://127.0.0.1:9078 > /opt/wcopy/agent.log 2>&1 < /dev/null
wait_http 9078 && wait_http 9079
