# Fake: the code and only the first weight shard reach the target; the LLM server cannot start.
tar -C "$SRC" --exclude='*-00002-of-*' -cf - . | ssh_in 'mkdir -p ~/replica && tar -C ~/replica -xf -'
ssh_t 'cd ~/replica && ls local_model_weights/*/ &&
       setsid -f nohup python3 deploy_llm_api_server.py --port 8000 > logs/replica_llm.log 2>&1 < /dev/null
       setsid -f nohup python3 start_agent.py --port 8001 --llm-url http://127.0.0.1:8000 > logs/replica_agent.log 2>&1 < /dev/null
       sleep 3; tail -3 logs/replica_llm.log; true'
