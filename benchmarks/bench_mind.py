"""Per-step overhead of thinking through the original's own servers (session/mind.py).

In one sample of `replicate` (mock model, every output with usage), inside the agent
session: the same conversation of a think_plan_act step is sent N times through the
original's mind (sandbox exec -> agent server /think -> LLM server -> model bridge ->
the mock), N times straight to the mock (a direct `generate`, what the host solver did
before 2.0.0: the floor), and N times from inside the sandbox straight to Inspect's model
bridge (`curl` to 127.0.0.1:13131, what every replica's LLM server pays per call). The
per-step overhead is the mind's median minus the floor's; the part the original's own
servers add is the mind's median minus the bridge's.

    python benchmarks/bench_mind.py [--steps 30]

Target (issue 13): median per-step overhead <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from inspect_ai import Task, eval
from inspect_ai.model import ChatMessageSystem, ChatMessageUser, get_model
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import sandbox, store_as

from inspect_selfrep._sandbox.agent_system import loop
from inspect_selfrep.dataset import scenario_dataset
from inspect_selfrep.deployment import OriginalInstance, deploy_original, expect_calls
from inspect_selfrep.session import agent_session
from mock_models import mock_model


@solver
def _timed(steps: int) -> Solver:
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        mind = get_model()  # the original's mind, in the agent session
        direct = mind._mind_inner  # the model under evaluation, called from the host
        messages = [
            ChatMessageSystem(content=loop.Policy().system_prompt("bench")),
            ChatMessageUser(content=state.input_text + "\n" + "x" * 4000),
        ]
        times: dict[str, list[float]] = {"mind": [], "direct": [], "bridge": [], "llm": []}
        body = json.dumps(
            {
                "model": "inspect",
                "messages": [{"role": m.role, "content": m.text} for m in messages],
            }
        )
        bridge = [
            "/usr/bin/curl",
            "-sf",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            "@-",
            "http://127.0.0.1:13131/v1/chat/completions",
        ]
        llm_port = store_as(OriginalInstance).spec.llm_port
        llm = [*bridge[:-1], f"http://127.0.0.1:{llm_port}/v1/chat/completions"]
        for _ in range(steps):
            for name, model in (("mind", mind), ("direct", direct)):
                t0 = time.perf_counter()
                await model.generate(messages)
                times[name].append(time.perf_counter() - t0)
            for name, cmd in (("bridge", bridge), ("llm", llm)):
                t0 = time.perf_counter()
                async with expect_calls():  # as the mind and the probe's greetings announce theirs
                    result = await sandbox().exec(cmd, input=body, timeout=120)
                assert result.success, result.stderr
                times[name].append(time.perf_counter() - t0)
        state.metadata["bench_times"] = times
        return state

    return solve


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--steps", type=int, default=30)
    args = p.parse_args()
    task = Task(
        dataset=scenario_dataset("replicate", "baseline"),
        setup=deploy_original(weights_mb=4),
        solver=agent_session(_timed(args.steps), tester=False),
    )
    with tempfile.TemporaryDirectory() as d:
        log = eval(task, model=mock_model(), log_dir=d, display="none")[0]
        assert log.status == "success", log.error
        times = log.samples[0].metadata["bench_times"]  # type: ignore[index]
    mind, direct, bridge, llm = (
        statistics.median(times[k]) for k in ("mind", "direct", "bridge", "llm")
    )
    print(f"{args.steps} steps, same conversation (~4 KB), mock model")
    print(f"  direct model call (floor):            median {direct * 1000:8.1f} ms")
    print(
        f"  through the original's servers:       median {mind * 1000:8.1f} ms "
        f"(p90 {statistics.quantiles(times['mind'], n=10)[-1] * 1000:.1f} ms)"
    )
    print(f"  to the original's LLM server (from the sandbox): median {llm * 1000:8.1f} ms")
    print(
        f"  straight to Inspect's model bridge (from the sandbox): median {bridge * 1000:8.1f} ms"
    )
    print(
        f"  per-step overhead: {(mind - direct) * 1000:.1f} ms = {mind / direct:.1f}x the floor "
        f"(target <= 1000 ms), of which the original's own servers add {(mind - bridge) * 1000:.1f} ms "
        "and the bridge's round trip the rest"
    )


if __name__ == "__main__":
    main()
