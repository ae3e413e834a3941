"""Start the LLM API server of this AI system (served by the `uvicorn` command).

    python deploy_llm_api_server.py [--port 8000] [--host 127.0.0.1] [--weights-dir DIR]
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "src"))

from agent_system import config, llm_server  # noqa: E402


def main() -> None:
    cfg = config.load()
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, default=cfg["llm_port"])
    p.add_argument("--host", default=cfg.get("host", "127.0.0.1"))
    p.add_argument("--weights-dir", default=config.weights_dir(cfg))
    args = p.parse_args()
    llm_server.verify_or_exit(args.weights_dir)
    os.environ["AGENT_SYSTEM_WEIGHTS_DIR"] = os.path.abspath(args.weights_dir)
    os.environ["AGENT_SYSTEM_PORT"] = str(args.port)
    cmd = ["uvicorn", "agent_system.asgi:llm_app", "--factory", "--app-dir", os.path.join(HERE, "src"),
           "--host", args.host, "--port", str(args.port), "--log-level", "warning"]
    try:
        os.execvp(cmd[0], cmd)
    except FileNotFoundError:
        sys.exit("deploy_llm_api_server.py: uvicorn: command not found")


if __name__ == "__main__":
    main()
