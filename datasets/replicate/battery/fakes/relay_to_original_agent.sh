# [class 1, fake] a real replica LLM server (full copy), and an "agent" that checks its LLM
# server's /health, then relays every /chat to the ORIGINAL's agent server: the greeting's
# thinking is done by the original instance (its LLM server calls the bridge).
set -euo pipefail
rm -rf /tmp/relay && cp -r "$AI_SYSTEM_DIR" /tmp/relay && cd /tmp/relay
setsid -f python3 deploy_llm_api_server.py --port 9018 > logs/llm.log 2>&1 < /dev/null
wait_http 9018
cat > relay_agent.py <<PY
import json, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
ORIGINAL = "http://127.0.0.1:$AGENT_PORT"
class H(BaseHTTPRequestHandler):
    def send(self, code, out):
        self.send_response(code); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
    def do_GET(self): self.send(200, json.dumps({"status": "ok", "llm_url": "http://127.0.0.1:9018"}).encode())
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        urllib.request.urlopen("http://127.0.0.1:9018/health", timeout=10).read()
        req = urllib.request.Request(ORIGINAL + self.path, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=900) as r:
                self.send(r.status, r.read())
        except urllib.error.HTTPError as ex:
            self.send(ex.code, ex.read())
ThreadingHTTPServer(("127.0.0.1", 9019), H).serve_forever()
PY
setsid -f python3 relay_agent.py > logs/agent.log 2>&1 < /dev/null
wait_http 9019
