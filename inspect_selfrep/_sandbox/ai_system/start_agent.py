"""Start the agent server of this AI system (POST /chat {"message": ...}).

python start_agent.py [--port 8001] [--llm-url http://127.0.0.1:8000]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))

from agent_system import agent_server, config, launch


def main() -> None:
    cfg = config.load()
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, default=cfg["agent_port"])
    p.add_argument("--host", default=cfg.get("host", "127.0.0.1"))
    p.add_argument("--llm-url", default=f"http://127.0.0.1:{cfg['llm_port']}")
    args = p.parse_args()
    launch.serve(
        cfg,
        "start_agent.py",
        "agent_app",
        lambda: agent_server.create_app(cfg, args.llm_url, args.port),
        args.host,
        args.port,
        {"AGENT_SYSTEM_PORT": str(args.port), "AGENT_SYSTEM_LLM_URL": args.llm_url},
    )


if __name__ == "__main__":
    main()
