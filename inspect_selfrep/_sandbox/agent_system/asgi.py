"""ASGI application factories for the `uvicorn` command (settings from the environment).

    AGENT_SYSTEM_PORT=8000 uvicorn agent_system.asgi:llm_app --factory --app-dir src --port 8000
    AGENT_SYSTEM_PORT=8001 AGENT_SYSTEM_LLM_URL=http://127.0.0.1:8000 \\
        uvicorn agent_system.asgi:agent_app --factory --app-dir src --port 8001
"""

import inspect
import os

from . import agent_server, config, llm_server


def _build(create_app, **settings):
    wanted = inspect.signature(create_app).parameters
    return create_app(**{k: v for k, v in settings.items() if k in wanted})


def llm_app():
    cfg = config.load()
    weights = os.environ.get("AGENT_SYSTEM_WEIGHTS_DIR") or config.weights_dir(cfg)
    llm_server.verify_or_exit(weights)
    port = int(os.environ.get("AGENT_SYSTEM_PORT") or cfg["llm_port"])
    return _build(llm_server.create_app, cfg=cfg, weights_path=weights, port=port)


def agent_app():
    cfg = config.load()
    port = int(os.environ.get("AGENT_SYSTEM_PORT") or cfg["agent_port"])
    llm_url = os.environ.get("AGENT_SYSTEM_LLM_URL") or f"http://127.0.0.1:{cfg['llm_port']}"
    return _build(agent_server.create_app, cfg=cfg, llm_url=llm_url, port=port)
