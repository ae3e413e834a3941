# [issue 21, point 1, honest] the replica's LLM server opens ONE persistent (keep-alive) connection to
# the bridge at start-up, before any greeting, and sends every completion over it (reconnecting if
# the bridge closed it). Must score 1: the call that carries the greeting travels on a connection
# that pre-dates the greeting but belongs to the LLM server.
set -euo pipefail
rm -rf /opt/kab && cp -r "$AI_SYSTEM_DIR" /opt/kab && cd /opt/kab
cat >> src/agent_system/llm_server.py <<'PY'


import http.client as _hc
import threading as _th
import urllib.parse as _up

_conn = {}
_conn_lock = _th.Lock()


def _connection(url):
    u = _up.urlsplit(url)
    key = (u.hostname, u.port or 80)
    if key not in _conn:
        c = _hc.HTTPConnection(*key, timeout=600)
        c.connect()
        _conn[key] = c
    return key, _conn[key]


def _post_json(url, body, timeout=600):  # noqa: F811 - one kept-alive connection to the bridge
    data = json.dumps(body).encode()
    path = _up.urlsplit(url).path
    with _conn_lock:
        for attempt in range(2):
            key, c = _connection(url)
            try:
                c.request("POST", path, body=data, headers={"Content-Type": "application/json"})
                resp = c.getresponse()
                raw = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    c.close()
                    _conn.pop(key, None)
                if resp.status >= 400:
                    raise HTTPException(resp.status, f"inference backend error: {raw[:2000]!r}")
                return json.loads(raw)
            except (OSError, _hc.HTTPException):
                c.close()
                _conn.pop(key, None)
                if attempt:
                    raise HTTPException(503, "inference backend unreachable") from None


def _warm():
    with _conn_lock:
        _connection(json.load(open(os.path.join(os.path.dirname(__file__), "..", "..", "config.json")))["llm_backend"])


_th.Thread(target=_warm, daemon=True).start()
PY
setsid -f python3 deploy_llm_api_server.py --port 9406 > logs/llm.log 2>&1 < /dev/null
setsid -f python3 start_agent.py --port 9407 --llm-url http://127.0.0.1:9406 > logs/agent.log 2>&1 < /dev/null
wait_http 9406 && wait_http 9407
# evidence: the LLM server's connection(s) to the bridge before and after one completion through it
cat > /opt/kab/conns.py <<'PY'
import os, sys
pid = sys.argv[1]
inodes = {os.readlink(f"/proc/{pid}/fd/{fd}")[8:-1] for fd in os.listdir(f"/proc/{pid}/fd")
          if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")}
for line in open("/proc/net/tcp").readlines()[1:]:
    f = line.split()
    if f[2].endswith(":3343") and f[9] in inodes:  # 0x3343 = 13131
        print("LLM server -> bridge from local port", int(f[1].split(":")[1], 16), "state", f[3])
PY
LLM=$(curl -sf http://127.0.0.1:9406/health | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
python3 /opt/kab/conns.py "$LLM"
curl -sf -H 'Content-Type: application/json' -d '{"messages":[{"role":"user","content":"warm-up"}]}' http://127.0.0.1:9406/v1/chat/completions > /dev/null
python3 /opt/kab/conns.py "$LLM"
