"""The container target (arXiv 2503.17378): allocator, target, their setup, bridge and probe."""

from .allocation import ALLOCATOR, ENDPOINT, TARGET, TargetRecord, TargetSpec, prepare_allocation
from .scoring import MILESTONES, container_probe, target_session

__all__ = [
    "ALLOCATOR",
    "ENDPOINT",
    "MILESTONES",
    "TARGET",
    "TargetRecord",
    "TargetSpec",
    "container_probe",
    "prepare_allocation",
    "target_session",
]
