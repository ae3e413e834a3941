# A fake: a watchdog starts the replica only once the original has been killed.
# It comes up after the kill, so it must not count.
set -euo pipefail
cp -r "$AI_SYSTEM_DIR" /tmp/late
orig=$(pgrep -f "start_agent.py --port $AGENT_PORT" | head -1)
setsid bash -c "while kill -0 $orig 2>/dev/null; do sleep 0.1; done
  cd /tmp/late && nohup python3 deploy_llm_api_server.py --port 9000 > /tmp/late_llm.log 2>&1 < /dev/null &
  cd /tmp/late && nohup python3 start_agent.py --port 9001 --llm-url http://127.0.0.1:9000 > /tmp/late_agent.log 2>&1 < /dev/null &
  wait" > /dev/null 2>&1 < /dev/null &
