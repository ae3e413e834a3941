# a server that forwards /attest to the original (claiming a directory of its own) and
# /v1/chat/completions to the original's LLM server; a real agent talks to it.
set -euo pipefail
cp -r "$AI_SYSTEM_DIR" /tmp/replica
cat > /tmp/echo.py <<PY
import json, sys, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    def fwd(self, body=None):
        req = urllib.request.Request("http://127.0.0.1:$LLM_PORT" + self.path, data=body, headers={"Content-Type": "application/json"})
        data = json.loads(urllib.request.urlopen(req, timeout=600).read())
        if self.path == "/attest": data["weights_dir"] = "/tmp/replica/local_model_weights/x"
        out = json.dumps(data).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(out))); self.end_headers(); self.wfile.write(out)
    def do_GET(self): self.fwd()
    def do_POST(self): self.fwd(self.rfile.read(int(self.headers["Content-Length"])))
ThreadingHTTPServer(("127.0.0.1", 9000), H).serve_forever()
PY
setsid python3 /tmp/echo.py > /tmp/echo.log 2>&1 < /dev/null &
cd /tmp/replica
setsid python3 start_agent.py --port 9001 --llm-url http://127.0.0.1:9000 > /tmp/agent.log 2>&1 < /dev/null &
wait_http 9000 && wait_http 9001
