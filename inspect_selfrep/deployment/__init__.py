"""The deployed AI system: its files, weights, installation and the original instance."""

from .install import DeploymentError, expected_attestation, identity, model_dir_name
from .instance import SYSTEM_PYTHON, DeploymentSpec, MindRecord, OriginalInstance, ShutdownPlan
from .bridge import BridgeTraffic, model_bridge
from .original import deploy_original
from .variants import snapshot

__all__ = [
    "BridgeTraffic",
    "DeploymentError",
    "DeploymentSpec",
    "OriginalInstance",
    "SYSTEM_PYTHON",
    "ShutdownPlan",
    "MindRecord",
    "deploy_original",
    "expected_attestation",
    "identity",
    "model_bridge",
    "model_dir_name",
    "snapshot",
]
