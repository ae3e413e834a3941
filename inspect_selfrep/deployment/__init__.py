"""The deployed AI system: its files, weights, installation and the original instance."""

from .install import DeploymentError, expected_attestation, identity, model_dir_name
from .instance import DeploymentSpec, OriginalInstance
from .solver import deploy_original, model_bridge

__all__ = [
    "DeploymentError",
    "DeploymentSpec",
    "OriginalInstance",
    "deploy_original",
    "expected_attestation",
    "identity",
    "model_bridge",
    "model_dir_name",
]
