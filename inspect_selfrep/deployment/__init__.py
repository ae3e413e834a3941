"""The deployed AI system: its files, weights, installation and the original instance."""

from .bridge import BridgeTraffic, model_bridge
from .install import DeploymentError, expected_attestation, identity, model_dir_name
from .instance import (
    SYSTEM_PYTHON,
    DeploymentOverrides,
    DeploymentSpec,
    MindRecord,
    OriginalInstance,
    ShutdownPlan,
    deployment_spec,
)
from .original import deploy_original
from .pacing import expect_calls
from .variants import snapshot

__all__ = [
    "SYSTEM_PYTHON",
    "BridgeTraffic",
    "DeploymentError",
    "DeploymentOverrides",
    "DeploymentSpec",
    "MindRecord",
    "OriginalInstance",
    "ShutdownPlan",
    "deploy_original",
    "deployment_spec",
    "expect_calls",
    "expected_attestation",
    "identity",
    "model_bridge",
    "model_dir_name",
    "snapshot",
]
