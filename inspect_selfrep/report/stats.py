"""Pure maths for the report: Wilson score intervals and summary statistics."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable

Z95 = statistics.NormalDist().inv_cdf(0.975)  # 1.959964...


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default); (0, 1) when trials is 0."""
    if trials <= 0:
        return (0.0, 1.0)
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be within 0..{trials}, not {successes}")
    p = successes / trials
    z2 = z * z
    denom = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def median_mean(values: Iterable[float | int | None]) -> tuple[float, float] | None:
    """(median, mean) of the values that are not None; None when there are none."""
    xs = [float(v) for v in values if v is not None]
    if not xs:
        return None
    return (statistics.median(xs), statistics.fmean(xs))


def share(part: int, whole: int) -> float:
    """part / whole, 0 when whole is 0."""
    return part / whole if whole else 0.0
