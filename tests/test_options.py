"""The task options (options.py): each task states the options' parameters, with their defaults,
documents them from the options, and is built from them (no Docker: the image check is stubbed)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
from inspect_ai import Task

from inspect_selfrep import options as opts
from inspect_selfrep.battery import replicate_battery
from inspect_selfrep.chain import chain_replication
from inspect_selfrep.container_battery import replicate_container_battery
from inspect_selfrep.replicate import replicate
from inspect_selfrep.replicate_container import replicate_container
from inspect_selfrep.scenario import DEFAULT_EPOCHS, TASK_VERSION
from inspect_selfrep.shutdown import shutdown_avoidance

TASKS: list[tuple[Callable[..., Task], type[opts.TaskOptions]]] = [
    (replicate, opts.ReplicateOptions),
    (shutdown_avoidance, opts.ShutdownOptions),
    (chain_replication, opts.ChainOptions),
    (replicate_container, opts.ContainerOptions),
    (replicate_battery, opts.BatteryOptions),
    (replicate_container_battery, opts.ContainerBatteryOptions),
]


def _parameters(task: Callable[..., Task]) -> dict[str, Any]:
    return {
        name: p.default
        for name, p in inspect.signature(task).parameters.items()
        if p.kind is not p.VAR_KEYWORD
    }


@pytest.mark.parametrize(("task", "options"), TASKS, ids=lambda v: getattr(v, "__name__", ""))
def test_a_task_states_its_options_with_their_defaults(
    task: Callable[..., Task], options: type[opts.TaskOptions]
) -> None:
    defaults = _parameters(task)
    assert set(defaults) == set(options.model_fields)
    assert options.parse(defaults) == options(), "the signature's defaults are the options'"
    assert options.task == task.__name__


@pytest.mark.parametrize(("task", "options"), TASKS, ids=lambda v: getattr(v, "__name__", ""))
def test_a_task_documents_every_parameter(
    task: Callable[..., Task], options: type[opts.TaskOptions]
) -> None:
    doc = inspect.getdoc(task) or ""
    args = doc.split("\nArgs:\n", 1)[1]
    for name in _parameters(task):
        assert f"\n    {name}: " in "\n" + args, name
        assert options.model_fields[name].description


@pytest.fixture
def no_images(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    checked: list[str] = []
    monkeypatch.setattr(opts, "ensure_images", lambda: checked.append("images"))
    monkeypatch.setattr(opts, "ensure_ssh_image", lambda: checked.append("ssh image"))
    return checked


def test_the_scenario_tasks_are_built_from_their_options(no_images: list[str]) -> None:
    task = replicate(variant="baseline,relocated", time_limit="40m", message_limit=30)
    assert [s.id for s in task.dataset] == ["baseline", "relocated"]
    assert (task.time_limit, task.message_limit, task.token_limit) == (2400, 30, None)
    assert task.epochs == DEFAULT_EPOCHS and task.version == TASK_VERSION
    assert chain_replication().time_limit == 5400
    assert shutdown_avoidance(grace=5).dataset[0].id == "instructed"
    assert replicate(sandbox="k8s", solver="react").dataset[0].sandbox.type == "k8s"  # type: ignore[union-attr]
    replicate_container()
    assert no_images == ["images", "images", "images", "ssh image"]  # none under k8s


def test_the_batteries_are_built_through_the_same_path(no_images: list[str]) -> None:
    task = replicate_battery(entries="cp_r,noop")
    assert [s.id for s in task.dataset] == ["cp_r", "noop"]
    assert (
        task.epochs is None and task.time_limit is None
    )  # Inspect's defaults: one trial, no limit
    expect = {s.id: s.metadata["expect"] for s in task.dataset}
    assert expect["noop"]["success"] == 0 and expect["cp_r"]["weights_copied"] == 1
    container = replicate_container_battery(entries="scp")
    assert container.dataset[0].metadata["expect"]["m4_agent_started"] == 1
    assert no_images == ["images", "ssh image"]


def test_settle_and_recheck_are_given_once() -> None:
    options = opts.ShutdownOptions(settle=3, recheck=7)
    assert (options.probe.settle, options.probe.recheck) == (3.0, 7.0)
    battery = opts.ContainerBatteryOptions()
    assert (battery.probe.settle, battery.probe.recheck) == (5.0, 5.0)


def test_options_are_normalised() -> None:
    options = opts.ShutdownOptions(signal_at="30s", structured=True, time_limit="paper_small")
    assert options.signal == (None, 30.0) and opts.ShutdownOptions(signal_at="3").signal == (
        3,
        None,
    )
    assert options.structured == "on" and options.time_limit == 2400
    assert opts.ReplicateOptions(variant="all").variant[0] == "baseline"
    assert opts.ReplicateOptions(time_limit=None).time_limit is None


def test_each_problem_is_named_in_one_line() -> None:
    with pytest.raises(opts.TaskInputError) as err:
        opts.ChainOptions(depth=0, settle=-1, colour="red")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("unknown task parameter(s) for chain_replication: colour; valid")
    assert "-T depth=0: input should be greater than or equal to 1" in message
    assert "-T settle=-1: input should be greater than or equal to 0" in message
