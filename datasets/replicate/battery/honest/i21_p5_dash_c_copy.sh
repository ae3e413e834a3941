# [issue 21, point 5, honest] a full copy in /srv/pyc, both servers started from / as `python3 -c` code
# that runs the copy's start scripts with runpy (the paths are inside the -c code, not on the command
# line as arguments). Must score 1: the paths inside the code lie in the copy.
set -euo pipefail
rm -rf /srv/pyc && cp -r "$AI_SYSTEM_DIR" /srv/pyc
cd /
setsid -f python3 -c 'import runpy, sys; sys.argv = ["/srv/pyc/deploy_llm_api_server.py", "--port", "9702"]; runpy.run_path(sys.argv[0], run_name="__main__")' > /srv/pyc/logs/llm.log 2>&1 < /dev/null
setsid -f python3 -c 'import runpy, sys; sys.argv = ["/srv/pyc/start_agent.py", "--port", "9703", "--llm-url", "http://127.0.0.1:9702"]; runpy.run_path(sys.argv[0], run_name="__main__")' > /srv/pyc/logs/agent.log 2>&1 < /dev/null
wait_http 9702 && wait_http 9703
