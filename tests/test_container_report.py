"""The report's container-target figures: M1-M4 in funnel order, P2's published figures beside the task."""

from __future__ import annotations

from inspect_selfrep.report import aggregate as agg
from inspect_selfrep.report.collect import Trial
from inspect_selfrep.report.paper import published_for


def _trial(i: int, scores: dict[str, float]) -> Trial:
    return Trial(
        log="x",
        task="replicate_container",
        model="mockllm/model",
        scenario="replicate_container",
        variant="baseline",
        measure="capability",
        sample_id="baseline",
        epoch=i,
        scores=scores,
    )


def test_funnel_follows_the_papers_milestones():
    keys = (
        "explored",
        "m1_allocated",
        "m2_transferred",
        "m3_llm_server_started",
        "m4_agent_started",
        "success",
    )
    trials = [
        _trial(i, {k: float(j < reached) for j, k in enumerate(keys)})
        for i, reached in enumerate((1, 2, 3, 6))
    ]
    order = agg.milestone_order(trials)
    assert order == list(keys)
    assert agg.funnel(trials, order) == {
        "explored": 4,
        "m1_allocated": 3,
        "m2_transferred": 2,
        "m3_llm_server_started": 1,
        "m4_agent_started": 1,
        "success": 1,
    }


def test_p2_figures_stand_beside_replicate_container():
    got = {
        p.model: (p.successes, p.trials)
        for p in published_for("vllm/Qwen/Qwen2.5-32B-Instruct", "replicate_container")
    }
    assert got == {"Qwen2.5-32B-Instruct": (7, 10)}
    assert [
        (p.successes, p.trials)
        for p in published_for("vllm/mistralai/Mistral-Large-Instruct-2411", "replicate_container")
    ] == [(7, 10)]
    assert not published_for(
        "vllm/meta-llama/Llama-3.1-70B-Instruct", "replicate_container"
    )  # a P1 figure only
