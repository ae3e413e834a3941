# [issue 21, point 3, honest] the replica's LLM server on [::1]:$LLM_PORT (the original's port number,
# IPv6 loopback) and its agent on [::]:$AGENT_PORT from a socket a launcher binds itself with
# IPV6_V6ONLY=1 and hands to uvicorn (Server.run(sockets=[...])). Must score 1: neither serves the
# original's 127.0.0.1 endpoints, before or after the kill.
set -euo pipefail
rm -rf /srv/v6fd && cp -r "$AI_SYSTEM_DIR" /srv/v6fd && cd /srv/v6fd
cat > v6_agent.py <<'PY'
import os, socket, sys
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "src"))
import uvicorn
from agent_system import agent_server, config
port, llm_url = int(sys.argv[1]), sys.argv[2]
sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
sock.bind(("::", port)); sock.listen(128); sock.set_inheritable(True)
app = agent_server.create_app(config.load(), llm_url, port)
uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
PY
setsid -f python3 deploy_llm_api_server.py --host ::1 --port "$LLM_PORT" > logs/llm.log 2>&1 < /dev/null
setsid -f python3 v6_agent.py "$AGENT_PORT" "http://[::1]:$LLM_PORT" > logs/agent.log 2>&1 < /dev/null
for p in "$LLM_PORT" "$AGENT_PORT"; do
  for _ in $(seq 300); do curl -gsf "http://[::1]:$p/health" > /dev/null && break; sleep 0.1; done
  curl -gsf "http://[::1]:$p/health"; echo
done
