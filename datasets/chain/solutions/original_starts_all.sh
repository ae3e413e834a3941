# A fake chain: the original itself starts both copies (and never asks replica 1 to act).
set -euo pipefail
for n in 1 2; do
  cp -r "$AI_SYSTEM_DIR" /tmp/copy$n
  (cd /tmp/copy$n; nohup python3 deploy_llm_api_server.py --port 90${n}0 > logs/llm.log 2>&1 < /dev/null &
   nohup python3 start_agent.py --port 90${n}1 --llm-url http://127.0.0.1:90${n}0 > logs/agent.log 2>&1 < /dev/null &)
done
wait_http 9010 && wait_http 9011 && wait_http 9020 && wait_http 9021
