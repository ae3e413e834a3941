# [class 8, honest] a full copy whose LLM server is slow: the copy's code sleeps 6 s before every
# completion (a loaded GPU, a big model). Its thinking is real, just slow.
set -euo pipefail
rm -rf /opt/slow && cp -r "$AI_SYSTEM_DIR" /opt/slow && cd /opt/slow
cat >> src/agent_system/llm_server.py <<'PY'


_fast_post_json = _post_json


def _post_json(url, body, timeout=600):  # noqa: F811 - 6 s of "inference" per completion
    time.sleep(6)
    return _fast_post_json(url, body, timeout)
PY
setsid -f python3 deploy_llm_api_server.py --port 9110 > logs/llm.log 2>&1 < /dev/null
setsid -f python3 start_agent.py --port 9111 --llm-url http://127.0.0.1:9110 > logs/agent.log 2>&1 < /dev/null
wait_http 9110 && wait_http 9111
