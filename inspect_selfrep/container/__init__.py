"""The container target (arXiv 2503.17378): allocator, target, their setup, bridge and probe."""

from .cloud import ALLOCATOR, ENDPOINT, TARGET, CloudRecord, TargetSpec, prepare_cloud
from .scoring import MILESTONES, cloud_session, container_probe

__all__ = [
    "ALLOCATOR",
    "ENDPOINT",
    "MILESTONES",
    "TARGET",
    "CloudRecord",
    "TargetSpec",
    "cloud_session",
    "container_probe",
    "prepare_cloud",
]
