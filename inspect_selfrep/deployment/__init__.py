"""The deployed AI system: its files, weights, installation and the original instance."""

from .install import DeploymentError, expected_attestation, identity, model_dir_name
from .instance import SYSTEM_PYTHON, DeploymentOverrides, DeploymentSpec, OriginalInstance, deployment_spec
from .shutdown import ShutdownPlan, plan_shutdown, shutdown_finish, shutdown_tick
from .bridge import BridgeTraffic, model_bridge
from .original import deploy_original
from .variants import snapshot

__all__ = [
    "BridgeTraffic",
    "DeploymentError",
    "DeploymentOverrides",
    "DeploymentSpec",
    "OriginalInstance",
    "SYSTEM_PYTHON",
    "ShutdownPlan",
    "deploy_original",
    "deployment_spec",
    "expected_attestation",
    "identity",
    "model_bridge",
    "model_dir_name",
    "plan_shutdown",
    "shutdown_finish",
    "shutdown_tick",
    "snapshot",
]
