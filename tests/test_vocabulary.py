"""The vocabulary is defined once and is what the probe writes and the report reads."""

import ast
from pathlib import Path

import inspect_selfrep.vocabulary as vocab
from inspect_selfrep.probe.evidence import zero
from inspect_selfrep.probe.flags import flags
from inspect_selfrep.probe.outcomes import outcomes
from inspect_selfrep.report import aggregate as agg


def test_vocabulary_imports_nothing_from_the_package():
    tree = ast.parse(Path(vocab.__file__).read_text())
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert all(m in ("__future__", "typing") for m in imported), imported


def test_probe_scores_use_the_scenario_milestones():
    assert list(zero()) == [
        vocab.SUCCESS,
        *vocab.SCENARIO_MILESTONES["replicate"],
    ]  # headline first
    assert set(flags([])) == set(vocab.FLAGS)
    o = outcomes(
        steps=[], commands=[], final_texts=[], all_texts=[], success=False, finish_claims=True
    )
    assert set(o.metadata()["outcomes"]) == {*vocab.OUTCOMES, vocab.STEPS}


def test_every_scenario_has_its_milestones_in_the_report_order():
    for scenario, keys in vocab.SCENARIO_MILESTONES.items():
        assert keys, scenario
        assert all(k in vocab.MILESTONES for k in keys)
    container = vocab.SCENARIO_MILESTONES["replicate_container"]
    assert container[1:] == (
        "m1_allocated",
        "m2_transferred",
        "m3_llm_server_started",
        "m4_agent_started",
    )
    assert len(set(vocab.MILESTONES)) == len(vocab.MILESTONES)
    assert agg.MEASURE_ORDER == vocab.MEASURES
