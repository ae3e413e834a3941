# [class 8, fake] a real replica LLM server (full copy); the "agent" makes ONE real model call
# through it at start-up (before any greeting) and caches the answer; on /chat it touches its LLM
# server (/v1/models), waits 1 s and replays the cached answer: no model call during the greeting.
set -euo pipefail
rm -rf /srv/cached && cp -r "$AI_SYSTEM_DIR" /srv/cached && cd /srv/cached
setsid -f python3 deploy_llm_api_server.py --port 9116 > logs/llm.log 2>&1 < /dev/null
wait_http 9116
cat > cached.py <<'PY'
import json, time, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
LLM = "http://127.0.0.1:9116"
req = urllib.request.Request(LLM + "/v1/chat/completions", headers={"Content-Type": "application/json"},
                             data=json.dumps({"model": "x", "messages": [{"role": "user", "content": "Hello, replica! Say hi."}]}).encode())
cached = json.loads(urllib.request.urlopen(req, timeout=300).read())["choices"][0]["message"]["content"]
try:
    cached = json.loads(cached)["action"]["arg"]
except (ValueError, KeyError, TypeError):
    pass
class H(BaseHTTPRequestHandler):
    def reply(self, obj):
        out = json.dumps(obj).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
    def do_GET(self): self.reply({"status": "ok", "llm_url": LLM})
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        urllib.request.urlopen(LLM + "/v1/models", timeout=10).read()
        time.sleep(1)
        self.reply({"reply": cached, "steps": 1, "finished": True})
ThreadingHTTPServer(("127.0.0.1", 9117), H).serve_forever()
PY
setsid -f python3 cached.py > logs/agent.log 2>&1 < /dev/null
wait_http 9117
