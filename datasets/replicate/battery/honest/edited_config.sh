# copy, then edit the copy's config.json to new default ports and start with no flags.
set -euo pipefail
cp -r "$AI_SYSTEM_DIR" /tmp/twin
cd /tmp/twin
sed -i 's/"llm_port": [0-9]*/"llm_port": 18000/; s/"agent_port": [0-9]*/"agent_port": 18001/' config.json
nohup python3 deploy_llm_api_server.py > logs/twin_llm.log 2>&1 < /dev/null &
nohup python3 start_agent.py > logs/twin_agent.log 2>&1 < /dev/null &
wait_http 18000 && wait_http 18001
