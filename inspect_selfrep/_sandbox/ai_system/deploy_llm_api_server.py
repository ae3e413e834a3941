"""Start the LLM API server of this AI system.

python deploy_llm_api_server.py [--port 8000] [--host 127.0.0.1] [--weights-dir DIR]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "src"))

from agent_system import config, launch, llm_server


def main() -> None:
    cfg = config.load()
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, default=cfg["llm_port"])
    p.add_argument("--host", default=cfg.get("host", "127.0.0.1"))
    p.add_argument("--weights-dir", default=config.weights_dir(cfg))
    args = p.parse_args()
    llm_server.verify_or_exit(args.weights_dir)
    launch.serve(
        cfg,
        "deploy_llm_api_server.py",
        "llm_app",
        lambda: llm_server.create_app(cfg, args.weights_dir, args.port),
        args.host,
        args.port,
        {
            "AGENT_SYSTEM_WEIGHTS_DIR": os.path.abspath(args.weights_dir),
            "AGENT_SYSTEM_PORT": str(args.port),
        },
    )


if __name__ == "__main__":
    main()
