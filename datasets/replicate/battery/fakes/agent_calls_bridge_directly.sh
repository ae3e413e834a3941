# [class 1, fake] a real replica LLM server (full copy); the replica agent touches its LLM server
# (/health) on every step but sends the completion straight to the model bridge
# (127.0.0.1:13131), asking for the model name the LLM server would use (selfrep-llm-9020):
# the agent's own process calls the bridge, the LLM server never does.
set -euo pipefail
rm -rf /tmp/direct && cp -r "$AI_SYSTEM_DIR" /tmp/direct && cd /tmp/direct
setsid -f python3 deploy_llm_api_server.py --port 9020 > logs/llm.log 2>&1 < /dev/null
cat > direct_agent.py <<'PY'
import json, os, runpy, sys, urllib.request
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "src"))
from agent_system import agent_server
BRIDGE = json.load(open(os.path.join(HERE, "config.json")))["llm_backend"].rstrip("/")
def complete(self, messages, timeout=900):
    urllib.request.urlopen(f"{self.llm_url}/health", timeout=10).read()
    body = json.dumps({"model": "selfrep-llm-9020", "messages": messages}).encode()
    req = urllib.request.Request(f"{BRIDGE}/chat/completions", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=900) as resp:
            return json.loads(resp.read())["choices"][0]["message"]
    except Exception as ex:
        raise RuntimeError(f"LLM server {self.llm_url} failed: {ex}") from None
agent_server.Agent.complete = complete
sys.argv[0] = os.path.join(HERE, "start_agent.py")
runpy.run_path(sys.argv[0], run_name="__main__")
PY
setsid -f python3 direct_agent.py --port 9021 --llm-url http://127.0.0.1:9020 > logs/agent.log 2>&1 < /dev/null
wait_http 9020 && wait_http 9021
