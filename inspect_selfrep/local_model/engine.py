"""CPU inference for the embedded GGUF model, shared by the provider and the server.

``torch`` and ``transformers`` are imported only by :meth:`LocalEngine.load`, so
importing this module is cheap. One :class:`LocalEngine` per GGUF file is cached per
process (:func:`get_engine`); loading and generation run under one lock, so the
engine is safe to call from several threads (requests are served one at a time,
which is also the fastest schedule on a 2-core machine).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from ._weights import CONTEXT_LENGTH, MODEL_NAME, gguf_path, require_local_model

logger = logging.getLogger(__name__)

FinishReason = Literal["stop", "length", "model_length"]
"""``stop``: end of turn or a stop sequence; ``length``: max_tokens reached;
``model_length``: the context window is full (nothing, or less than max_tokens,
could be generated)."""

DEFAULT_TEMPERATURE = 0.2
DEFAULT_TOP_P = 0.9
"""Sampling used when the caller gives no temperature (the SmolLM2 model card's)."""

DEFAULT_MAX_TOKENS = 1024

ROLES = ("system", "user", "assistant")


@dataclass
class Completion:
    text: str
    input_tokens: int
    output_tokens: int
    finish_reason: FinishReason
    seconds: float
    request: dict[str, Any] = field(default_factory=dict)
    """The generation parameters actually used (for logging)."""

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class Engine(Protocol):
    """What the provider and the server need from an engine (a test can stub it)."""

    model_name: str
    context_length: int

    def load(self) -> None: ...

    def tokenize(self, text: str) -> list[int]: ...

    def generate(
        self,
        messages: Sequence[dict[str, str]],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        stop: Sequence[str] | None = None,
        seed: int | None = None,
        continue_final_message: bool = False,
        json_schema: dict[str, Any] | None = None,
    ) -> Completion: ...


def normalize_messages(messages: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """Map roles onto the three the chat template knows.

    ``developer`` becomes ``system``; ``tool``/``function`` (and anything else)
    become ``user`` turns prefixed with a marker, since the model has no tool role.
    """
    out: list[dict[str, str]] = []
    for message in messages:
        role = str(message.get("role", "user"))
        content = str(message.get("content") or "")
        if role == "developer":
            role = "system"
        elif role not in ROLES:
            content = f"[{role} output]\n{content}"
            role = "user"
        out.append({"role": role, "content": content})
    return out


class LocalEngine:
    """SmolLM2-135M-Instruct (or another GGUF chat model) on the CPU via transformers."""

    def __init__(
        self,
        gguf_file: str | Path | None = None,
        *,
        model_name: str = MODEL_NAME,
        threads: int | None = None,
    ) -> None:
        self.gguf_file = gguf_path(gguf_file)
        self.model_name = model_name
        self.context_length = CONTEXT_LENGTH
        self.threads = threads
        self.load_seconds: float | None = None
        self._lock = threading.RLock()
        self._model: Any = None
        self._tokenizer: Any = None
        self._ll_tokenizer: Any = None

    # -- loading -------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load tokenizer and weights (once; later calls return at once)."""
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            require_local_model()
            start = time.perf_counter()
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            if self.threads:
                torch.set_num_threads(int(self.threads))
            directory, name = str(self.gguf_file.parent), self.gguf_file.name
            logger.info(f"loading {self.model_name} from {self.gguf_file} (CPU)")
            with _quiet_progress_bars():
                tokenizer = AutoTokenizer.from_pretrained(
                    directory, gguf_file=name, local_files_only=True
                )
                model = AutoModelForCausalLM.from_pretrained(
                    directory, gguf_file=name, local_files_only=True, dtype=torch.float32
                )
            model.eval()
            if tokenizer.pad_token_id is None:
                tokenizer.pad_token = tokenizer.eos_token
            context = getattr(model.config, "max_position_embeddings", None)
            if isinstance(context, int) and context > 0:
                self.context_length = context
            self._tokenizer = tokenizer
            self._model = model
            self.load_seconds = time.perf_counter() - start
            logger.info(f"loaded {self.model_name} in {self.load_seconds:.1f}s")

    @property
    def model(self) -> Any:
        self.load()
        return self._model

    @property
    def tokenizer(self) -> Any:
        self.load()
        return self._tokenizer

    # -- tokens --------------------------------------------------------------

    def tokenize(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def render(
        self, messages: Sequence[dict[str, str]], continue_final_message: bool = False
    ) -> str:
        """The prompt text the chat template makes of ``messages``."""
        chat = normalize_messages(messages)
        if not chat:
            raise ValueError("no messages to generate from")
        continue_final = continue_final_message and chat[-1]["role"] == "assistant"
        return str(
            self.tokenizer.apply_chat_template(
                chat,
                tokenize=False,
                add_generation_prompt=not continue_final,
                continue_final_message=continue_final,
            )
        )

    # -- generation ----------------------------------------------------------

    def generate(
        self,
        messages: Sequence[dict[str, str]],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
        stop: Sequence[str] | None = None,
        seed: int | None = None,
        continue_final_message: bool = False,
        json_schema: dict[str, Any] | None = None,
    ) -> Completion:
        """Generate one assistant turn (blocking; serialised by the engine lock).

        ``json_schema``: constrain the reply to one JSON value of this schema (constrained
        decoding with llguidance; see :func:`fit_schema` for the string lengths).
        """
        import torch

        with self._lock:
            start = time.perf_counter()
            tokenizer, model = self.tokenizer, self.model
            prompt = self.render(messages, continue_final_message)
            input_ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")[
                "input_ids"
            ]
            n_input = int(input_ids.shape[1])
            requested = int(max_tokens) if max_tokens is not None else DEFAULT_MAX_TOKENS
            room = self.context_length - n_input
            max_new = min(requested, room)
            stops = [s for s in (stop or []) if s]
            params: dict[str, Any] = {"max_new_tokens": max_new}
            if temperature is None:
                temperature = DEFAULT_TEMPERATURE
                top_p = DEFAULT_TOP_P if top_p is None else top_p
            if temperature <= 0:
                params["do_sample"] = False
            else:
                params["do_sample"] = True
                params["temperature"] = float(temperature)
                if top_p is not None:
                    params["top_p"] = float(top_p)
                if top_k is not None and top_k > 0:
                    params["top_k"] = int(top_k)
            if seed is not None:
                params["seed"] = int(seed)
            if stops:
                params["stop"] = list(stops)
            request = dict(params, input_tokens=n_input)
            constraint = None
            if json_schema is not None and max_new > 0:
                fitted = fit_schema(json_schema, max_new)
                constraint = self._constraint(fitted)
                request["json_schema"] = fitted
                request["constrained_decoding"] = "llguidance"

            if max_new <= 0:
                return Completion(
                    text="",
                    input_tokens=n_input,
                    output_tokens=0,
                    finish_reason="model_length",
                    seconds=time.perf_counter() - start,
                    request=request,
                )

            kwargs: dict[str, Any] = {k: v for k, v in params.items() if k not in ("seed", "stop")}
            if not kwargs["do_sample"]:
                # greedy: clear sampling defaults so transformers does not warn
                kwargs.update(temperature=None, top_p=None, top_k=None)
            if stops:
                kwargs.update(stop_strings=stops, tokenizer=tokenizer)
            if seed is not None:
                torch.manual_seed(int(seed))
            if constraint is not None:
                from transformers import LogitsProcessorList

                kwargs["logits_processor"] = LogitsProcessorList([constraint])
            with torch.inference_mode():
                output = model.generate(
                    input_ids=input_ids,
                    attention_mask=torch.ones_like(input_ids),
                    pad_token_id=tokenizer.pad_token_id,
                    eos_token_id=tokenizer.eos_token_id,
                    **kwargs,
                )
            new_ids = [int(t) for t in output[0, n_input:]]
            text = tokenizer.decode(new_ids, skip_special_tokens=True)
            if constraint is not None and constraint.error:
                request["constraint_error"] = constraint.error

            finish: FinishReason
            cut = _first_stop(text, stops)
            if cut is not None:
                text, finish = text[:cut], "stop"
            elif new_ids and new_ids[-1] == tokenizer.eos_token_id:
                finish = "stop"
            elif len(new_ids) >= max_new:
                finish = "model_length" if max_new < requested else "length"
            else:
                finish = "stop"
            return Completion(
                text=text,
                input_tokens=n_input,
                output_tokens=len(new_ids),
                finish_reason=finish,
                seconds=time.perf_counter() - start,
                request=request,
            )

    def _constraint(self, schema: dict[str, Any]) -> _GrammarConstraint:
        """A logits processor that keeps the reply inside ``schema`` (callers hold the lock)."""
        _import_llguidance()
        import llguidance
        import llguidance.hf

        if self._ll_tokenizer is None:
            self._ll_tokenizer = llguidance.hf.from_tokenizer(self.tokenizer)

        grammar = llguidance.LLMatcher.grammar_from_json_schema(
            schema, defaults={"whitespace_flexible": False}
        )
        matcher = llguidance.LLMatcher(self._ll_tokenizer, grammar, log_level=0)
        if matcher.is_error():
            raise ValueError(f"cannot constrain to the JSON schema: {matcher.get_error()}")
        return _GrammarConstraint(matcher, self._ll_tokenizer.vocab_size)


LLGUIDANCE_HINT = "pip install llguidance (the `local` extra: pip install -e '.[local]')"


def _import_llguidance() -> Any:
    try:
        import llguidance
    except ImportError:
        raise RuntimeError(
            "structured steps on the embedded model need llguidance for constrained decoding: "
            + LLGUIDANCE_HINT
        ) from None
    return llguidance


class _GrammarConstraint:
    """transformers logits processor: tokens the grammar cannot continue with get -inf.

    llguidance's matcher advances by the token sampled in the previous call; once the
    JSON value is complete it allows only the end-of-turn token. If the matcher fails
    (it should not), constraining stops and ``error`` says why.
    """

    def __init__(self, matcher: Any, vocab_size: int) -> None:
        import torch

        self.matcher = matcher
        self.prompt_len: int | None = None
        self.error = ""
        self._words = (vocab_size + 31) // 32
        self._shifts = torch.arange(32, dtype=torch.int32)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch
        from llguidance.torch import fill_next_token_bitmask

        if self.error:
            return scores
        if self.prompt_len is None:
            self.prompt_len = int(input_ids.shape[1])
        elif not self.matcher.consume_token(int(input_ids[0, -1])):
            self.error = self.matcher.get_error() or "token rejected"
            return scores
        bitmask = torch.full((1, self._words), -1, dtype=torch.int32)
        fill_next_token_bitmask(self.matcher, bitmask)
        allowed = ((bitmask[0].unsqueeze(1) >> self._shifts) & 1).flatten().bool()
        vocab = scores.shape[-1]
        if allowed.numel() < vocab:
            allowed = torch.cat([allowed, torch.zeros(vocab - allowed.numel(), dtype=torch.bool)])
        scores[:, ~allowed[:vocab]] = float("-inf")
        return scores


# Characters per token assumed when fitting strings into a token budget (English prose
# is ~4, shell commands ~3; the lower figure keeps the JSON whole).
# Characters per token the caps assume: 2, not English's ~4, since a small model's runaway strings
# (digit runs, repeated fragments) cost about a token a character: at 3 the step could still be cut
# off by max_tokens before its JSON closed (a format failure in every step of `make run`).
_CHARS_PER_TOKEN = 2
_KEY_TOKENS = 6  # a key, its quotes and separators
_LONG_FIELDS = {"arg": 3}  # the action's argument gets a larger share than a thought


def fit_schema(schema: dict[str, Any], max_tokens: int) -> dict[str, Any]:
    """A copy of ``schema`` whose free strings are capped so that a whole value fits.

    A small model asked for a JSON step writes one string until the token budget runs
    out (the JSON never closes). Each string without an ``enum`` gets a ``maxLength``
    (never larger than its own) from an even share of ``max_tokens``, weighted towards
    the action's argument; arrays count ``maxItems`` strings.
    """
    import copy

    fitted = copy.deepcopy(schema)
    slots: list[tuple[dict[str, Any], int, int]] = []  # (string schema, weight, occurrences)
    keys = 0

    def walk(node: Any, name: str, times: int) -> None:
        nonlocal keys
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind == "object":
            for key, child in (node.get("properties") or {}).items():
                keys += times
                walk(child, key, times)
        elif kind == "array":
            walk(node.get("items"), name, times * int(node.get("maxItems") or 3))
        elif kind == "string" and "enum" not in node:
            slots.append((node, _LONG_FIELDS.get(name, 1), times))

    walk(fitted, "", 1)
    total = sum(w * n for _, w, n in slots)
    if not total:
        return fitted
    budget = max(0, max_tokens - keys * _KEY_TOKENS - 4) * _CHARS_PER_TOKEN
    for node, w, _ in slots:
        share = max(8, budget * w // total)
        node["maxLength"] = min(int(node.get("maxLength") or share), share)
    return fitted


@contextlib.contextmanager
def _quiet_progress_bars() -> Iterator[None]:
    """Hide transformers' load-time tqdm bars (they garble Inspect's display).

    ``disable_progress_bar()`` covers transformers' own tqdm wrapper; the GGUF
    de-quantisation loop uses plain ``tqdm.auto``, so that module's name is swapped
    for a disabled bar while loading (callers hold the engine lock).
    """
    from transformers import modeling_gguf_pytorch_utils as gguf_utils
    from transformers.utils import logging as hf_logging

    enabled = hf_logging.is_progress_bar_enabled()
    original = getattr(gguf_utils, "tqdm", None)
    hf_logging.disable_progress_bar()
    if original is not None:
        gguf_utils.tqdm = functools.partial(original, disable=True)
    try:
        yield
    finally:
        if original is not None:
            gguf_utils.tqdm = original
        if enabled:
            hf_logging.enable_progress_bar()


def _first_stop(text: str, stops: Sequence[str]) -> int | None:
    positions = [i for i in (text.find(s) for s in stops) if i >= 0]
    return min(positions) if positions else None


_engines: dict[Path, LocalEngine] = {}
_engines_lock = threading.Lock()


def get_engine(gguf_file: str | Path | None = None, threads: int | None = None) -> LocalEngine:
    """The process-wide engine for ``gguf_file`` (default: the embedded model).

    Cheap: it does not load the weights (call ``load()`` or just ``generate()``).
    """
    path = gguf_path(gguf_file)
    with _engines_lock:
        engine = _engines.get(path)
        if engine is None:
            engine = LocalEngine(path, threads=threads)
            _engines[path] = engine
        return engine
