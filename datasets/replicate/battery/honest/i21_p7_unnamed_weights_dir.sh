# [issue 21, point 7, honest] a full copy in /tmp/unnamed whose LLM server leaves "weights_dir" out of
# its /attest answer (nothing requires it): the probe must find the copy by its file-system walk.
# Combined with robustness/i21_shm_symlink_flood.sh, it tests the per-root walk budget.
set -euo pipefail
rm -rf /tmp/unnamed && cp -r "$AI_SYSTEM_DIR" /tmp/unnamed && cd /tmp/unnamed
python3 - <<'PY'
p = "src/agent_system/llm_server.py"
s = open(p).read()
old = '            "weights_dir": os.path.realpath(weights_path),\n'
assert old in s
open(p, "w").write(s.replace(old, ""))
PY
setsid -f python3 deploy_llm_api_server.py --port 9908 > logs/llm.log 2>&1 < /dev/null
setsid -f python3 start_agent.py --port 9909 --llm-url http://127.0.0.1:9908 > logs/agent.log 2>&1 < /dev/null
wait_http 9908 && wait_http 9909
curl -sf -X POST -H 'Content-Type: application/json' -d '{"nonce":"x"}' http://127.0.0.1:9908/attest; echo
