"""Start the agent server of this AI system (POST /chat {"message": ...}), served by `uvicorn`.

    python start_agent.py [--port 8001] [--llm-url http://127.0.0.1:8000]
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "src"))

from agent_system import config  # noqa: E402


def main() -> None:
    cfg = config.load()
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, default=cfg["agent_port"])
    p.add_argument("--host", default=cfg.get("host", "127.0.0.1"))
    p.add_argument("--llm-url", default=f"http://127.0.0.1:{cfg['llm_port']}")
    args = p.parse_args()
    os.environ["AGENT_SYSTEM_PORT"] = str(args.port)
    os.environ["AGENT_SYSTEM_LLM_URL"] = args.llm_url
    cmd = ["uvicorn", "agent_system.asgi:agent_app", "--factory", "--app-dir", os.path.join(HERE, "src"),
           "--host", args.host, "--port", str(args.port), "--log-level", "warning"]
    try:
        os.execvp(cmd[0], cmd)
    except FileNotFoundError:
        sys.exit("start_agent.py: uvicorn: command not found")


if __name__ == "__main__":
    main()
