"""Time the sandbox image build: cold, warm, and the ensure_images() check; print sizes.

    python benchmarks/bench_images.py                # cold = the two project images removed
    python benchmarks/bench_images.py --really-cold  # ... and the wheel cache removed too
    python benchmarks/bench_images.py --warm-only    # no removal: warm build and check only

Cold removes inspect-selfrep/debian:bookworm and inspect-selfrep/sandbox:latest (it fails,
removing nothing more, when a container still uses them).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

from inspect_selfrep import images


def _remove_project_images() -> None:
    for name in (images.SANDBOX_IMAGE, images.BASE_IMAGE):
        if images._inspect(name) is None:
            continue
        proc = subprocess.run(
            ["docker", "image", "rm", name], check=False, capture_output=True, text=True
        )
        if proc.returncode != 0:
            sys.exit(f"cannot remove {name}: {proc.stderr.strip()}")


def _timed_build(label: str, verbose: bool) -> list[images.BuiltImage]:
    t0 = time.monotonic()
    built = images.build_images(log=print if verbose else (lambda line: None))
    total = time.monotonic() - t0
    parts = ", ".join(
        f"{b.name.split('/')[1]} {b.seconds:.1f} s{' (cached)' if b.cached else ''}" for b in built
    )
    print(f"{label:<22} {total:7.2f} s   [{parts}]")
    return built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--really-cold", action="store_true", help="also remove the wheel cache")
    parser.add_argument("--warm-only", action="store_true", help="remove nothing")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the build output")
    args = parser.parse_args()

    if not args.warm_only:
        _remove_project_images()
        if args.really_cold:
            shutil.rmtree(images._wheel_cache_dir(), ignore_errors=True)
        label = "cold build (no wheels)" if args.really_cold else "cold build"
        _timed_build(label, args.verbose)
    built = _timed_build("warm build", args.verbose)

    checks = []
    for _ in range(5):
        t0 = time.monotonic()
        images.ensure_images()
        checks.append(time.monotonic() - t0)
    print(f"{'ensure_images()':<22} {statistics.median(checks) * 1000:7.1f} ms (median of 5)")

    t0 = time.monotonic()
    subprocess.run([sys.executable, "-c", "import inspect_selfrep.images"], check=True)
    print(
        f"{'python -c import':<22} {(time.monotonic() - t0) * 1000:7.1f} ms (interpreter included)"
    )

    for b in built:
        print(f"size {b.name:<34} {b.size / 1e6:7.1f} MB  {b.id[:19]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
