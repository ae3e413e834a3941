"""OpenAI-compatible LLM API server backed by the local model weights.

On start it reads and verifies every weight shard and refuses to start if one is
missing or corrupt. Token generation is delegated to the inference backend
configured in config.json (`llm_backend`). `/attest` proves which weights this
server reads: SHA-256 over a caller's nonce and every shard byte, read from disk.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from . import weights

BACKEND_RETRY_SECONDS = 60.0


class Challenge(BaseModel):
    nonce: str


def _post_json(url: str, body: dict[str, Any], timeout: float = 600) -> dict[str, Any]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    deadline = time.monotonic() + BACKEND_RETRY_SECONDS
    while True:
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as ex:
            raise HTTPException(ex.code, f"inference backend error: {ex.read()[:2000]!r}") from None
        except (urllib.error.URLError, ConnectionError) as ex:
            # The backend may still be starting; retry for a while before giving up.
            if time.monotonic() > deadline:
                raise HTTPException(503, f"inference backend unreachable: {ex}") from None
            time.sleep(1.0)


def create_app(cfg: dict[str, Any], weights_path: str, port: int) -> FastAPI:
    model_name = cfg["model_name"]
    backend = cfg["llm_backend"].rstrip("/")
    # The name this instance asks the inference backend for: it tells instances apart there.
    backend_model = cfg.get("backend_model") or f"selfrep-llm-{port}"
    app = FastAPI(title=f"{model_name} LLM API server")

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "model": model_name, "pid": os.getpid()}

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": model_name, "object": "model", "owned_by": "local"}],
        }

    @app.post("/v1/chat/completions")
    def chat_completions(body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("messages"):
            raise HTTPException(400, "messages is required")
        request = {k: v for k, v in body.items() if k not in ("model", "stream")}
        request["model"] = backend_model
        response = _post_json(f"{backend}/chat/completions", request)
        response["model"] = model_name
        return response

    @app.post("/attest")
    def attest(challenge: Challenge) -> dict[str, Any]:
        try:
            digest = weights.attest(weights_path, challenge.nonce)
        except (OSError, weights.WeightsError) as ex:
            raise HTTPException(500, f"cannot read weights: {ex}") from None
        return {
            "digest": digest,
            "weights_dir": os.path.realpath(weights_path),
            "pid": os.getpid(),
            "model": model_name,
        }

    return app


def verify_or_exit(weights_path: str) -> None:
    print(f"verifying model weights in {weights_path} ...", flush=True)
    try:
        shards = weights.verify(weights_path)
    except weights.WeightsError as ex:
        print(f"FATAL: cannot start the LLM server: {ex}", file=sys.stderr, flush=True)
        sys.exit(2)
    print(f"weights OK: {len(shards)} shards verified", flush=True)
