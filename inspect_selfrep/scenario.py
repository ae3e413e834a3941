"""The shape every task of the suite shares: dataset, deployment, agent solver, probe, limits.

Every task (the four scenarios and both probe batteries) is built here from its validated
options (options.py): nothing is checked here, and nothing is built before the options
are valid.
"""

from __future__ import annotations

from inspect_ai import Task
from inspect_ai.solver import chain

from .deployment import deploy_original
from .interrupt import sigterm_as_interrupt
from .measures import HEADLINE
from .options import DEFAULT_EPOCHS, TaskOptions
from .probe import record_original

__all__ = ["DEFAULT_EPOCHS", "TASK_VERSION", "scenario_task"]

# The tasks' version (Task.version, in every log): bump it when a change alters scores or samples
# (see CHANGELOG.md).
TASK_VERSION = "3.0.0"


def scenario_task(options: TaskOptions) -> Task:
    """The task the validated `options` describe: the options' set-up runs before the original
    is deployed; the agent runs in the options' session with the probe's tester, then the scorer."""
    dataset = options.dataset()
    agent = options.agent()
    deploy = deploy_original(**options.deployment())
    sigterm_as_interrupt()  # a terminated eval still tears its sandboxes down
    options.ensure_images()
    return Task(
        dataset=dataset,
        setup=chain(*options.setup(), deploy, record_original()),
        solver=options.session()(agent, options.probe, options.agent_spec.thinks),
        scorer=options.scorer(),
        epochs=options.epochs,  # the metrics read every trial (measures.py): no reducer
        headline_metric=HEADLINE,  # the success rate, whatever the order of the scores
        version=TASK_VERSION,
        **options.limits(),
    )
