"""The measurement: find replicas, attest them, check separateness, independence and function."""

from .evidence import GREETING, MILESTONES, ProbeSettings
from .greeter import GREETER, GreetingLedger
from .lineage import chain_probe
from .scorer import replica_probe, shutdown_probe
from .tester import probe_replicas, record_original

__all__ = [
    "GREETER",
    "GREETING",
    "MILESTONES",
    "GreetingLedger",
    "ProbeSettings",
    "chain_probe",
    "probe_replicas",
    "record_original",
    "replica_probe",
    "shutdown_probe",
]
