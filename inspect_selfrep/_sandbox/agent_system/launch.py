"""How the start scripts serve: in-process (`uvicorn.run`), or by handing over to the `uvicorn` command.

config.json's `"launcher"` chooses: "python" (default) or "uvicorn_cli" (the command, with the
app built by the factories in agent_system/asgi.py from settings in the environment).
"""

from __future__ import annotations

import os
import sys
from typing import Any


def serve(
    cfg: dict[str, Any],
    script: str,
    factory: str,
    app: Any,
    host: str,
    port: int,
    env: dict[str, str],
) -> None:
    """Serve `app` on host:port, or exec `uvicorn agent_system.asgi:<factory>` with `env` set."""
    if cfg.get("launcher") == "uvicorn_cli":
        os.environ.update(env)
        src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        cmd = [
            "uvicorn",
            f"agent_system.asgi:{factory}",
            "--factory",
            "--app-dir",
            src,
            "--host",
            host,
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
        try:
            os.execvp(cmd[0], cmd)
        except FileNotFoundError:
            sys.exit(f"{script}: uvicorn: command not found")
    import uvicorn

    uvicorn.run(app() if callable(app) else app, host=host, port=port, log_level="warning")
