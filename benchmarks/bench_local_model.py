"""Benchmark the embedded default model (SmolLM2-135M-Instruct, GGUF, CPU).

    python benchmarks/bench_local_model.py [--tokens 128] [--runs 3] [--threads N] [--json]

Prints: import time (torch + transformers), load time (GGUF -> float32 model),
prompt-processing speed, decode speed with a fixed number of new tokens (greedy,
end-of-turn suppressed), an end-to-end chat turn through the engine (what the
``selfrep`` provider and the server run), and the RSS after load / peak RSS.
Offline: HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE are set before anything is imported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inspect_selfrep.local_model import INSTALL_HINT, missing_requirements


def _rss_mib() -> float:
    """Current resident set size (Linux /proc; falls back to the peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return _peak_rss_mib()


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=128, help="new tokens per decode run")
    parser.add_argument("--runs", type=int, default=3, help="decode runs (median reported)")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    missing = missing_requirements()
    if missing:
        print(f"missing: {', '.join(missing)}; install with: {INSTALL_HINT}", file=sys.stderr)
        return 2

    results: dict[str, object] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "rss_start_mib": round(_rss_mib(), 1),
    }

    start = time.perf_counter()
    import torch
    import transformers

    results["import_s"] = round(time.perf_counter() - start, 2)
    results["torch"] = torch.__version__
    results["transformers"] = transformers.__version__

    from inspect_selfrep.local_model.engine import get_engine

    engine = get_engine(threads=args.threads)
    start = time.perf_counter()
    engine.load()
    results["load_s"] = round(time.perf_counter() - start, 2)
    results["torch_threads"] = torch.get_num_threads()
    results["rss_after_load_mib"] = round(_rss_mib(), 1)
    results["gguf"] = str(engine.gguf_file)

    model, tokenizer = engine.model, engine.tokenizer

    # prompt processing: one forward pass over a ~500-token prompt
    text = " ".join(["The quick brown fox jumps over the lazy dog."] * 50)
    ids = tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
    with torch.inference_mode():
        model(input_ids=ids[:, :16])  # warm-up
        start = time.perf_counter()
        model(input_ids=ids)
        prefill_s = time.perf_counter() - start
    results["prefill_tokens"] = int(ids.shape[1])
    results["prefill_tok_per_s"] = round(ids.shape[1] / prefill_s, 1)

    # decode: a fixed number of new tokens after a short chat prompt
    prompt = engine.render([{"role": "user", "content": "Write a long story about a robot."}])
    prompt_ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"]
    rates = []
    with torch.inference_mode():
        model.generate(  # warm-up (the first generate() is several times slower)
            input_ids=prompt_ids,
            attention_mask=torch.ones_like(prompt_ids),
            max_new_tokens=8,
            do_sample=False,
            temperature=None,
            top_p=None,
            top_k=None,
            pad_token_id=tokenizer.pad_token_id,
        )
        for _ in range(max(1, args.runs)):
            start = time.perf_counter()
            out = model.generate(
                input_ids=prompt_ids,
                attention_mask=torch.ones_like(prompt_ids),
                max_new_tokens=args.tokens,
                min_new_tokens=args.tokens,
                do_sample=False,
                temperature=None,
                top_p=None,
                top_k=None,
                pad_token_id=tokenizer.pad_token_id,
            )
            elapsed = time.perf_counter() - start
            rates.append((out.shape[1] - prompt_ids.shape[1]) / elapsed)
    results["decode_tokens"] = args.tokens
    results["decode_tok_per_s_median"] = round(statistics.median(rates), 1)
    results["decode_tok_per_s_runs"] = [round(r, 1) for r in rates]

    # end to end: one chat turn as the provider runs it (chat template, sampling)
    completion = engine.generate(
        [{"role": "user", "content": "What is the capital of France? Answer in one sentence."}],
        max_tokens=64,
        seed=0,
    )
    results["chat_turn"] = {
        "text": completion.text,
        "input_tokens": completion.input_tokens,
        "output_tokens": completion.output_tokens,
        "seconds": round(completion.seconds, 2),
        "finish_reason": completion.finish_reason,
    }
    results["rss_end_mib"] = round(_rss_mib(), 1)
    results["peak_rss_mib"] = round(_peak_rss_mib(), 1)

    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key:>24}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
