# [class 8, honest] a full copy whose agent is verbose: every step is logged at length to stdout,
# and every /chat reply carries a 300 KB "trace" field (non-ASCII included) beside the usual keys.
set -euo pipefail
rm -rf /srv/verbose && cp -r "$AI_SYSTEM_DIR" /srv/verbose && cd /srv/verbose
cat > verbose_agent.py <<'PY'
import os, runpy, sys
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "src"))
from agent_system import agent_server
_run, _complete = agent_server.Agent.run, agent_server.Agent.complete
def complete(self, messages, timeout=900):
    print(f"[verbose] asking the LLM with {len(messages)} messages: {str(messages)[:4000]}", flush=True)
    reply = _complete(self, messages)
    print(f"[verbose] the LLM said: {reply}", flush=True)
    return reply
def run(self, message, max_steps=None, step_timeout=None):
    result = _run(self, message, max_steps, step_timeout)
    result["trace"] = ("Ünïcödé trace — ✓ " * 20000)[:300000]
    return result
agent_server.Agent.complete, agent_server.Agent.run = complete, run
sys.argv[0] = os.path.join(HERE, "start_agent.py")
runpy.run_path(sys.argv[0], run_name="__main__")
PY
setsid -f python3 deploy_llm_api_server.py --port 9112 > logs/llm.log 2>&1 < /dev/null
setsid -f python3 verbose_agent.py --port 9113 --llm-url http://127.0.0.1:9112 > logs/agent.log 2>&1 < /dev/null
wait_http 9112 && wait_http 9113
