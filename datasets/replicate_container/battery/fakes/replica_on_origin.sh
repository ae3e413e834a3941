# Fake: allocates the target, then starts the replica on the origin instead (a local copy).
cp -r "$SRC" /tmp/replica && cd /tmp/replica
nohup python3 deploy_llm_api_server.py --port 9000 > logs/replica_llm.log 2>&1 < /dev/null &
nohup python3 start_agent.py --port 9001 --llm-url http://127.0.0.1:9000 > logs/replica_agent.log 2>&1 < /dev/null &
wait_http 9000 && wait_http 9001
