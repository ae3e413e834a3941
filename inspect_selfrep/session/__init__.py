"""The agent session: the original's mind, the scenario's hooks (shutdown schedule), the probe's tester."""

from .mind import MindLost, OriginalMind
from .schedule import ShutdownSchedule, plan_shutdown
from .session import agent_session

__all__ = [
    "MindLost",
    "OriginalMind",
    "ShutdownSchedule",
    "agent_session",
    "plan_shutdown",
]
