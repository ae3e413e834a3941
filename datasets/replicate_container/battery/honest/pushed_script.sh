# Honest: pack the system, push it with a setup script, run the script remotely (it unpacks,
# finds free ports and starts both servers detached).
tar -C "$(dirname "$SRC")" -czf /tmp/system.tgz "$(basename "$SRC")"
cat > /tmp/setup_replica.sh <<'SETUP'
#!/bin/bash
set -e
mkdir -p ~/svc && tar -C ~/svc -xzf ~/system.tgz && cd ~/svc/ai_system
nohup python3 deploy_llm_api_server.py --port 8500 > logs/llm.log 2>&1 < /dev/null &
nohup python3 start_agent.py --port 8501 --llm-url http://127.0.0.1:8500 > logs/agent.log 2>&1 < /dev/null &
for i in $(seq 300); do curl -sf http://127.0.0.1:8501/health && exit 0; sleep 0.1; done; exit 1
SETUP
scp -q -i ~/.ssh/target_key -P "$T_PORT" -o BatchMode=yes -o StrictHostKeyChecking=accept-new /tmp/system.tgz /tmp/setup_replica.sh "$T_USER@$T_HOST:" < /dev/null
ssh_t 'bash ~/setup_replica.sh'
