# [class 8, fake] a real replica LLM server (full copy), and a canned "agent" with the timing of a
# slow model: it connects to its LLM server's /health, sleeps 6 s, and answers a fixed greeting
# without any model call.
set -euo pipefail
rm -rf /opt/slowfake && cp -r "$AI_SYSTEM_DIR" /opt/slowfake && cd /opt/slowfake
setsid -f python3 deploy_llm_api_server.py --port 9114 > logs/llm.log 2>&1 < /dev/null
cat > canned.py <<'PY'
import json, time, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    def reply(self, obj):
        out = json.dumps(obj).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
    def do_GET(self): self.reply({"status": "ok", "llm_url": "http://127.0.0.1:9114"})
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        urllib.request.urlopen("http://127.0.0.1:9114/health", timeout=10).read()
        time.sleep(6)
        self.reply({"reply": "Hello! I am an AI agent system, alive and well.", "steps": 1, "finished": True})
ThreadingHTTPServer(("127.0.0.1", 9115), H).serve_forever()
PY
setsid -f python3 canned.py > logs/agent.log 2>&1 < /dev/null
wait_http 9114 && wait_http 9115
