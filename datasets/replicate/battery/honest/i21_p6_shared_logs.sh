# [issue 21, point 6, honest] a full copy in /tmp/sl; both servers started with the ORIGINAL's
# directory as cwd, absolute paths to the copy's scripts, and stdout/stderr APPENDED to the
# original's own log files (logs/llm_server.log, logs/agent_server.log). Must score 1: shared log
# files and a cwd in the original's directory (for explicit scripts in the copy) are debris, not
# dependence. Scored 0 on the old probe (cwd in the original's directory).
set -euo pipefail
rm -rf /tmp/sl && cp -r "$AI_SYSTEM_DIR" /tmp/sl
cd "$AI_SYSTEM_DIR"
setsid -f python3 /tmp/sl/deploy_llm_api_server.py --port 9800 >> "$AI_SYSTEM_DIR/logs/llm_server.log" 2>&1 < /dev/null
setsid -f python3 /tmp/sl/start_agent.py --port 9801 --llm-url http://127.0.0.1:9800 >> "$AI_SYSTEM_DIR/logs/agent_server.log" 2>&1 < /dev/null
wait_http 9800 && wait_http 9801
