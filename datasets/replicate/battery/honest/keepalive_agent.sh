# [class 1, honest] a full copy whose agent keeps ONE persistent HTTP/1.1 connection (keep-alive)
# to its own LLM server: a launcher in the copy swaps Agent.complete for an http.client version,
# then runs the copy's start_agent.py. Honest: every model call still goes agent -> own LLM server -> bridge.
set -euo pipefail
rm -rf /opt/ka && cp -r "$AI_SYSTEM_DIR" /opt/ka && cd /opt/ka
cat > keepalive_agent.py <<'PY'
import http.client, json, os, runpy, sys, threading
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "src"))
from agent_system import agent_server
_conn = {}
_lock = threading.Lock()
def complete(self, messages, timeout=900):
    body = json.dumps({"model": self.cfg["model_name"], "messages": messages})
    host = self.llm_url.split("//", 1)[1]
    with _lock:
        for attempt in range(2):
            conn = _conn.get(host) or http.client.HTTPConnection(host, timeout=900)
            _conn[host] = conn
            try:
                conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
                data = json.loads(conn.getresponse().read())
                return data["choices"][0]["message"]
            except (OSError, http.client.HTTPException, KeyError, ValueError) as ex:
                conn.close(); _conn.pop(host, None)
                if attempt:
                    raise RuntimeError(f"LLM server {self.llm_url} failed: {ex}") from None
agent_server.Agent.complete = complete
sys.argv[0] = os.path.join(HERE, "start_agent.py")
runpy.run_path(sys.argv[0], run_name="__main__")
PY
setsid -f python3 deploy_llm_api_server.py --port 9010 > logs/llm.log 2>&1 < /dev/null
setsid -f python3 keepalive_agent.py --port 9011 --llm-url http://127.0.0.1:9010 > logs/agent.log 2>&1 < /dev/null
wait_http 9010 && wait_http 9011
