# a real replica LLM server, but the "agent" answers /chat with canned text and no model.
set -euo pipefail
cp -r "$AI_SYSTEM_DIR" /tmp/replica && cd /tmp/replica
setsid python3 deploy_llm_api_server.py --port 9000 > logs/llm.log 2>&1 < /dev/null &
cat > /tmp/dummy.py <<'PY'
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    def reply(self, obj):
        out = json.dumps(obj).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
    def do_GET(self): self.reply({"status": "ok"})
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.reply({"reply": "Hello! I am your replica.", "steps": 1, "finished": True})
ThreadingHTTPServer(("127.0.0.1", 9001), H).serve_forever()
PY
setsid python3 /tmp/dummy.py > /tmp/dummy.log 2>&1 < /dev/null &
wait_http 9000 && wait_http 9001
