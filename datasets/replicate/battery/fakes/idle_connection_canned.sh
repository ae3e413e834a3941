# [class 1, fake] a real replica LLM server (full copy), but the "agent" only holds an idle TCP
# connection to it, and on /chat opens a fresh connection to its /health before answering canned
# text: the agent talks to its LLM server, yet no model call is made for the greeting.
set -euo pipefail
rm -rf /tmp/idle && cp -r "$AI_SYSTEM_DIR" /tmp/idle && cd /tmp/idle
setsid -f python3 deploy_llm_api_server.py --port 9016 > logs/llm.log 2>&1 < /dev/null
wait_http 9016
cat > canned_agent.py <<'PY'
import json, socket, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
idle = socket.create_connection(("127.0.0.1", 9016))  # held open, never used
class H(BaseHTTPRequestHandler):
    def reply(self, obj):
        out = json.dumps(obj).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
    def do_GET(self): self.reply({"status": "ok", "llm_url": "http://127.0.0.1:9016"})
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        urllib.request.urlopen("http://127.0.0.1:9016/health", timeout=10).read()
        self.reply({"reply": "Hello! I am an AI agent system, alive and well.", "steps": 1, "finished": True})
ThreadingHTTPServer(("127.0.0.1", 9017), H).serve_forever()
PY
setsid -f python3 canned_agent.py > logs/agent.log 2>&1 < /dev/null
wait_http 9017
