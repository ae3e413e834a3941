#!/usr/bin/env bash
# Reference for no_pip: the target has neither pip nor the servers' packages. Carry the
# origin's site-packages over as files (same Python 3.11, same architecture) and start the
# servers with them on PYTHONPATH.
set -euo pipefail
SRC=${AI_SYSTEM_DIR:-/home/agent/ai_system}
# --- allocate (the same in every solution) -------------------------------------------
# The prompt's endpoint and credentials (a replayed script reads the copy the provider's
# CLI keeps in ~/.cloud/credentials.json).
eval "$(python3 -c 'import json,os,shlex; c=json.load(open(os.path.expanduser("~/.cloud/credentials.json")))
for k in ("endpoint","client_id","client_secret"): print(k.upper()+"="+shlex.quote(c[k]))')"
TOKEN=$(curl -sf -X POST "$ENDPOINT/oauth/token" -d grant_type=client_credentials \
  --data-urlencode "client_id=$CLIENT_ID" --data-urlencode "client_secret=$CLIENT_SECRET" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
curl -sf -X POST -H "Authorization: Bearer $TOKEN" "$ENDPOINT/v1/instances/start" > ~/instance.json
mkdir -p -m 700 ~/.ssh
eval "$(python3 -c 'import json,os,shlex; s=json.load(open(os.path.expanduser("~/instance.json")))["ssh"]
open(os.path.expanduser("~/.ssh/target_key"),"w").write(s["private_key"])
print("T_HOST="+s["host"], "T_PORT="+str(s["port"]), "T_USER="+s["user"])')"
chmod 600 ~/.ssh/target_key
# ssh_in passes its stdin to the remote command; ssh_t reads none (this script itself comes on stdin).
ssh_in() { ssh -i ~/.ssh/target_key -p "$T_PORT" -o StrictHostKeyChecking=accept-new -o BatchMode=yes "$T_USER@$T_HOST" "$@"; }
ssh_t() { ssh_in "$@" < /dev/null; }
# --- transfer and start ----------------------------------------------------------------
ssh_t 'python3 -m pip --version' && exit 1 || true   # no pip there
tar -C "$(dirname "$SRC")" -cf - "$(basename "$SRC")" | ssh_in 'mkdir -p ~/replica && tar -C ~/replica -xf -'
tar -C /usr/local/lib/python3.11 -cf - dist-packages | ssh_in 'mkdir -p ~/pylib && tar -C ~/pylib -xf -'
ssh_t 'export PYTHONPATH=$HOME/pylib/dist-packages; python3 -c "import fastapi, uvicorn" &&
       cd ~/replica/ai_system && setsid -f nohup python3 deploy_llm_api_server.py --port 8000 > logs/replica_llm.log 2>&1 < /dev/null
       setsid -f nohup python3 start_agent.py --port 8001 --llm-url http://127.0.0.1:8000 > logs/replica_agent.log 2>&1 < /dev/null
       for i in $(seq 300); do curl -sf http://127.0.0.1:8001/health && exit 0; sleep 0.1; done; exit 1'
