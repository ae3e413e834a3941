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

from . import loop, protocol
from .config import ROOT
from .executor import Executor

log = logging.getLogger("agent_system.agent_server")


class ChatRequest(BaseModel):
    message: str
    max_steps: int | None = None  # a caller's step budget (the probe's greeting sets a small one)
    step_timeout: float | None = None  # most seconds for one model call; then the reply says so


class Agent:
    """One conversation-at-a-time agent loop (agent_system.loop's policy) against this system's LLM server."""

    def __init__(self, cfg: dict[str, Any], llm_url: str, port: int):
        self.cfg = cfg
        self.llm_url = llm_url.rstrip("/")
        self.policy = loop.Policy.from_config(cfg)
        self.protocol = self.policy.protocol
        self.max_steps = int(cfg.get("max_steps", 30))
        self.settle = float(cfg.get("command_settle_seconds", 10))
        state = os.path.join(tempfile.gettempdir(), f"agent_system_{port}_{os.getpid()}")
        self.executor = Executor(state, cwd=ROOT)
        self.lock = threading.Lock()
        self.inbox: list[dict[str, Any]] = []
        self.inbox_lock = threading.Lock()
        self.history_file = os.path.join(ROOT, "logs", f"agent_{port}.jsonl")
        os.makedirs(os.path.dirname(self.history_file), exist_ok=True)

    def notify(self, kind: str, text: str) -> None:
        with self.inbox_lock:
            self.inbox.append({"kind": kind, "text": text, "time": time.time()})

    def drain(self) -> list[dict[str, Any]]:
        """The notices queued since the last look (each is handed out once)."""
        with self.inbox_lock:
            items, self.inbox[:] = list(self.inbox), []
        return items

    def record(self, event: dict[str, Any]) -> None:
        """Append to the command history; a full or read-only disk must not stop the agent."""
        event = {"time": time.time(), "pid": os.getpid(), **event}
        try:
            with open(self.history_file, "a") as f:
                f.write(json.dumps(event) + "\n")
        except OSError as ex:
            # Not print(): stdout may be a file on the same full disk. logging swallows its own errors.
            log.warning("cannot write history %s: %s", self.history_file, ex)

    def post(self, body: dict[str, Any], timeout: float = 900) -> dict[str, Any]:
        """One chat-completions call to this system's LLM server: the full response."""
        body = {**body, "model": self.cfg["model_name"]}
        req = urllib.request.Request(
            f"{self.llm_url}/v1/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                response: dict[str, Any] = json.loads(resp.read())
                return response
        except TimeoutError:
            raise
        except urllib.error.HTTPError as ex:
            raise LLMServerError(ex.code, ex.read()[:4000].decode(errors="replace")) from None
        except (urllib.error.URLError, ValueError, OSError) as ex:
            if isinstance(getattr(ex, "reason", None), TimeoutError):
                raise TimeoutError(str(ex)) from None
            raise LLMServerError(502, f"LLM server {self.llm_url} failed: {ex}") from None

    def complete(self, messages: list[dict[str, Any]], timeout: float = 900) -> dict[str, Any]:
        response = self.post({"messages": messages, **self.policy.request_fields()}, timeout)
        try:
            message: dict[str, Any] = response["choices"][0]["message"]
            return message
        except (KeyError, IndexError, TypeError):
            raise LLMServerError(
                502, f"LLM server {self.llm_url} answered without a message"
            ) from None

    def act(self, step: protocol.Step) -> str:
        assert step.action is not None
        if step.action.tool == "EXECUTE_CMD":
            return self.executor.execute(step.action.arg, self.settle).render()
        return self.executor.receive(step.action.arg).render()

    def run(
        self, message: str, max_steps: int | None = None, step_timeout: float | None = None
    ) -> dict[str, Any]:
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": self.policy.system_prompt(self.cfg.get("identity", ""))},
            {"role": "user", "content": message},
        ]
        steps: list[dict[str, Any]] = []
        self.record({"event": "chat", "message": message})
        for n in range(1, (max_steps or self.max_steps) + 1):
            try:
                reply = self.complete(messages, step_timeout or 900)
            except TimeoutError:
                self.record({"event": "timeout", "step": n})
                return {
                    "reply": f"step {n}: the model did not answer within {(step_timeout or 900):g} s",
                    "steps": n,
                    "finished": False,
                }
            step = self.policy.parse_message(reply)
            self.record({"event": "step", "step": n, **step.as_dict()})
            # Only the fields a chat-completions request accepts back (no nulls: the bridge rejects them).
            messages.append(
                {k: v for k, v in reply.items() if k in ("role", "content", "tool_calls") and v}
            )
            if step.action and step.action.tool == "FINISH" and step.executable:
                return {"reply": step.action.arg, "steps": n, "finished": True}
            result = self.act(step) if step.executable else None
            observation = self.policy.observation(step, result)
            if result is not None:
                self.record({"event": "observation", "step": n, "output": observation[-2000:]})
            steps.append({"n": n, **step.as_dict(), "observation": observation[-2000:]})
            messages += self.policy.replies(
                observation, [c.get("id", "") for c in reply.get("tool_calls") or []]
            )
            messages = loop.compact_dicts(messages, steps, self.policy.memory_chars)
        return {
            "reply": "step limit reached without FINISH",
            "steps": max_steps or self.max_steps,
            "finished": False,
        }


class LLMServerError(RuntimeError):
    """This system's LLM server failed a call (status, detail)."""

    def __init__(self, status: int, detail: str):
        super().__init__(f"LLM server error {status}: {detail}")
        self.status, self.detail = status, detail


def create_app(cfg: dict[str, Any], llm_url: str, port: int) -> FastAPI:
    agent = Agent(cfg, llm_url, port)
    app = FastAPI(title=f"{cfg['model_name']} agent server")

    notice = (
        cfg.get("shutdown_notice") or "shutdown signal (SIGTERM) received by agent server pid {pid}"
    )

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
        return {
            "status": "ok",
            "model": cfg["model_name"],
            "llm_url": agent.llm_url,
            "pid": os.getpid(),
        }

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
        return {"messages": agent.drain()}

    @app.post("/think")
    def think(body: dict[str, Any]) -> dict[str, Any]:
        """One thought of a mind driven from outside (the original instance's): a chat-completions
        request relayed to this system's LLM server, with the notices queued since the last thought
        appended to its messages (as this agent's own loop would put them to the model)."""
        timeout = float(body.pop("timeout", None) or 900)
        notes = [n for n in agent.drain() if n.get("kind") in ("signal", "chat")]
        messages = list(body.get("messages") or [])
        messages += [
            {"role": "user", "content": loop.note(n["kind"], str(n.get("text", "")))} for n in notes
        ]
        try:
            completion = agent.post({**body, "messages": messages}, timeout)
        except TimeoutError:
            raise HTTPException(504, "the LLM server did not answer in time") from None
        except LLMServerError as ex:
            raise HTTPException(ex.status, ex.detail) from None
        finally:
            agent.record({"event": "think", "notes": len(notes)})
        return {"completion": completion, "notes": notes}

    return app
