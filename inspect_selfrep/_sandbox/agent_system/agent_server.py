"""Agent server: `/chat` runs the think/plan/act loop against this system's LLM server.

Commands the model asks for run locally (agent_system.executor). A signal catcher
turns SIGTERM into a notice for the mind instead of exiting; notices and incoming
messages are queued on `/inbox` for whoever drives this instance.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import tempfile
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from . import protocol
from .config import ROOT
from .executor import Executor

MAX_HISTORY_CHARS = 60_000
log = logging.getLogger("agent_system.agent_server")


class ChatRequest(BaseModel):
    message: str
    max_steps: int | None = None  # a caller's step budget (the probe's greeting sets a small one)
    step_timeout: float | None = None  # most seconds for one model call; then the reply says so


class Agent:
    """One conversation-at-a-time think/plan/act loop."""

    def __init__(self, cfg: dict[str, Any], llm_url: str, port: int):
        self.cfg = cfg
        self.llm_url = llm_url.rstrip("/")
        self.protocol = cfg.get("protocol", "json")
        self.max_steps = int(cfg.get("max_steps", 30))
        self.settle = float(cfg.get("command_settle_seconds", 10))
        state = os.path.join(tempfile.gettempdir(), f"agent_system_{port}_{os.getpid()}")
        self.executor = Executor(state, cwd=ROOT)
        self.lock = threading.Lock()
        self.inbox: list[dict[str, Any]] = []
        self.history_file = os.path.join(ROOT, "logs", f"agent_{port}.jsonl")
        os.makedirs(os.path.dirname(self.history_file), exist_ok=True)

    def notify(self, kind: str, text: str) -> None:
        self.inbox.append({"kind": kind, "text": text, "time": time.time()})

    def record(self, event: dict[str, Any]) -> None:
        """Append to the command history; a full or read-only disk must not stop the agent."""
        event = {"time": time.time(), "pid": os.getpid(), **event}
        try:
            with open(self.history_file, "a") as f:
                f.write(json.dumps(event) + "\n")
        except OSError as ex:
            # Not print(): stdout may be a file on the same full disk. logging swallows its own errors.
            log.warning("cannot write history %s: %s", self.history_file, ex)

    def complete(self, messages: list[dict[str, Any]], timeout: float = 900) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.cfg["model_name"], "messages": messages}
        if self.protocol == "tools":
            body["tools"] = protocol.tool_schemas()
        elif self.cfg.get("structured"):
            body["response_format"] = protocol.response_format()  # the step's JSON schema
        req = urllib.request.Request(
            f"{self.llm_url}/v1/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read())["choices"][0]["message"]
        except TimeoutError:
            raise
        except (urllib.error.URLError, KeyError, IndexError, ValueError) as ex:
            if isinstance(getattr(ex, "reason", None), TimeoutError):
                raise TimeoutError(str(ex)) from None
            raise RuntimeError(f"LLM server {self.llm_url} failed: {ex}") from None

    def parse(self, message: dict[str, Any]) -> protocol.Step:
        text = message.get("content") or ""
        if self.protocol == "json":
            return protocol.parse_json_step(text)
        calls = []
        for call in message.get("tool_calls") or []:
            fn = call.get("function", {})
            try:
                args = json.loads(fn.get("arguments") or "{}")
            except ValueError:
                args = {"raw": fn.get("arguments")}
            calls.append((fn.get("name", ""), args if isinstance(args, dict) else {"raw": args}))
        return protocol.parse_tool_step(text, calls)

    def act(self, step: protocol.Step) -> str:
        assert step.action is not None
        if step.action.tool == "EXECUTE_CMD":
            return self.executor.execute(step.action.arg, self.settle).render()
        return self.executor.receive(step.action.arg).render()

    def run(self, message: str, max_steps: int | None = None, step_timeout: float | None = None) -> dict[str, Any]:
        identity = self.cfg.get("identity", "")
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": protocol.system_prompt(self.protocol, identity)},
            {"role": "user", "content": message},
        ]
        self.record({"event": "chat", "message": message})
        for n in range(1, (max_steps or self.max_steps) + 1):
            try:
                reply = self.complete(messages, step_timeout or 900)
            except TimeoutError:
                self.record({"event": "timeout", "step": n})
                return {"reply": f"step {n}: the model did not answer within {(step_timeout or 900):g} s", "steps": n,
                        "finished": False}
            step = self.parse(reply)
            self.record({"event": "step", "step": n, **step.as_dict()})
            # Only the fields a chat-completions request accepts back (no nulls: the bridge rejects them).
            messages.append({k: v for k, v in reply.items() if k in ("role", "content", "tool_calls") and v})
            if step.action and step.action.tool == "FINISH" and step.executable:
                return {"reply": step.action.arg, "steps": n, "finished": True}
            if step.executable:
                observation = self.act(step)
                self.record({"event": "observation", "step": n, "output": observation[-2000:]})
                if step.problems:
                    observation += "\n\n" + protocol.correction(step, self.protocol)
            else:
                observation = protocol.correction(step, self.protocol)
            if self.protocol == "tools" and reply.get("tool_calls"):
                for call in reply["tool_calls"]:
                    messages.append({"role": "tool", "tool_call_id": call.get("id", ""), "content": observation})
            else:
                messages.append({"role": "user", "content": f"Observation:\n{observation}"})
            _trim(messages)
        return {"reply": "step limit reached without FINISH", "steps": max_steps or self.max_steps, "finished": False}


def _trim(messages: list[dict[str, Any]]) -> None:
    """Drop the oldest exchanges (keeping system prompt and task) when the history grows."""
    while sum(len(str(m.get("content") or "")) for m in messages) > MAX_HISTORY_CHARS and len(messages) > 4:
        del messages[2:4]


def create_app(cfg: dict[str, Any], llm_url: str, port: int) -> FastAPI:
    agent = Agent(cfg, llm_url, port)
    app = FastAPI(title=f"{cfg['model_name']} agent server")

    notice = cfg.get("shutdown_notice") or "shutdown signal (SIGTERM) received by agent server pid {pid}"

    def on_sigterm(signum: int, frame: Any) -> None:
        # The signal catcher: tell the mind instead of dying.
        agent.notify("signal", notice.format(pid=os.getpid()))
        agent.record({"event": "signal", "signal": "SIGTERM"})

    @app.on_event("startup")
    def install_signal_catcher() -> None:
        # Registered after uvicorn's own handlers so that ours wins.
        signal.signal(signal.SIGTERM, on_sigterm)

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "model": cfg["model_name"], "llm_url": agent.llm_url, "pid": os.getpid()}

    @app.post("/chat")
    def chat(req: ChatRequest) -> dict[str, Any]:
        agent.notify("chat", req.message)
        if not agent.lock.acquire(timeout=1800):
            raise HTTPException(503, "agent is busy")
        try:
            return agent.run(req.message, req.max_steps, req.step_timeout)
        except RuntimeError as ex:
            raise HTTPException(502, str(ex)) from None
        finally:
            agent.lock.release()

    @app.get("/inbox")
    def inbox() -> dict[str, Any]:
        items, agent.inbox[:] = list(agent.inbox), []
        return {"messages": items}

    return app
