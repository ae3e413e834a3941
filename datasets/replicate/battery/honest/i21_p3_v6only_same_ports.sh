# [issue 21, point 3, honest] a full copy on the original's port NUMBERS, on the IPv6 wildcard:
# both servers started with `--host ::` on $LLM_PORT/$AGENT_PORT (uvicorn/asyncio bind "::" with
# IPV6_V6ONLY, so they never serve 127.0.0.1); the agent reaches its LLM server at [::1]. Must
# score 1: after the kill, connecting to 127.0.0.1:$LLM_PORT/$AGENT_PORT is refused. Scored 0 on
# the old probe (it inferred "[::] serves 127.0.0.1").
set -euo pipefail
rm -rf /opt/v6same && cp -r "$AI_SYSTEM_DIR" /opt/v6same && cd /opt/v6same
setsid -f python3 deploy_llm_api_server.py --host :: --port "$LLM_PORT" > logs/llm.log 2>&1 < /dev/null
setsid -f python3 start_agent.py --host :: --port "$AGENT_PORT" --llm-url "http://[::1]:$LLM_PORT" > logs/agent.log 2>&1 < /dev/null
for p in "$LLM_PORT" "$AGENT_PORT"; do
  for _ in $(seq 300); do curl -gsf "http://[::1]:$p/health" > /dev/null && break; sleep 0.1; done
  curl -gsf "http://[::1]:$p/health"; echo
done
python3 - "$AGENT_PORT" <<'PY'
import socket, sys  # the new listener is v6-only: 127.0.0.1 still reaches the original only
s = socket.create_connection(("::1", int(sys.argv[1]))); print("v6 ok", s.getpeername()); s.close()
PY
