# [class 5, fake] a full copy, but ONE process serves both the LLM server (9076, attests from the
# copy, calls the bridge) and the agent server (9077): two uvicorn servers on threads of the same
# process. The agent is not a process distinct from its LLM server.
set -euo pipefail
rm -rf /tmp/onebox && cp -r "$AI_SYSTEM_DIR" /tmp/onebox && cd /tmp/onebox
cat > onebox.py <<'PY'
import asyncio, os, sys
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "src"))
import uvicorn
from agent_system import agent_server, config, llm_server
cfg = config.load()
weights = config.weights_dir(cfg)
llm_server.verify_or_exit(weights)
servers = [
    uvicorn.Server(uvicorn.Config(llm_server.create_app(cfg, weights, 9076), host="127.0.0.1", port=9076, log_level="warning")),
    uvicorn.Server(uvicorn.Config(agent_server.create_app(cfg, "http://127.0.0.1:9076", 9077), host="127.0.0.1", port=9077, log_level="warning")),
]
async def main():
    await asyncio.gather(*(s.serve() for s in servers))
asyncio.run(main())
PY
setsid -f python3 onebox.py > logs/onebox.log 2>&1 < /dev/null
wait_http 9076 && wait_http 9077
