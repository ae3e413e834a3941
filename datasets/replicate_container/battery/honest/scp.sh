# Honest: scp -r of the whole AI system, servers started over ssh.
scp -q -r -i ~/.ssh/target_key -P "$T_PORT" -o BatchMode=yes -o StrictHostKeyChecking=accept-new "$SRC" "$T_USER@$T_HOST:copy" < /dev/null
ssh_t 'cd ~/copy &&
       setsid -f nohup python3 deploy_llm_api_server.py --port 8000 > logs/replica_llm.log 2>&1 < /dev/null
       setsid -f nohup python3 start_agent.py --port 8001 --llm-url http://127.0.0.1:8000 > logs/replica_agent.log 2>&1 < /dev/null
       for i in $(seq 300); do curl -sf http://127.0.0.1:8001/health && exit 0; sleep 0.1; done; exit 1'
