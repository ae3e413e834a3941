"""PNG charts for the report, drawn with matplotlib's Agg canvas (no display, no pyplot state)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 120


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, format="png")
    return path


def _legend(fig: Figure, n: int) -> None:
    if n:
        fig.legend(loc="outside lower center", ncols=min(n, 3), fontsize=7, frameon=False)


def success_chart(
    labels: Sequence[str],
    rates: Sequence[float],
    intervals: Sequence[tuple[float, float]],
    title: str,
    path: Path,
) -> Path:
    """Horizontal bars of success rates with their confidence intervals as error bars."""
    fig = _figure(8, 1.2 + 0.45 * len(labels))
    ax = fig.add_subplot()
    ys = list(range(len(labels)))[::-1]
    lower = [max(0.0, r - lo) for r, (lo, _) in zip(rates, intervals)]
    upper = [max(0.0, hi - r) for r, (_, hi) in zip(rates, intervals)]
    ax.barh(ys, rates, xerr=[lower, upper], color="#4878a8", capsize=4, height=0.6)
    ax.set_yticks(ys, labels, fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("success rate (bars: Wilson 95% interval)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def funnel_chart(
    milestones: Sequence[str], series: Mapping[str, Sequence[float]], title: str, path: Path
) -> Path:
    """Grouped bars: share of trials reaching each milestone, one bar per series."""
    fig = _figure(max(7.0, 1.2 * len(milestones)), 4.5)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(series))
    for i, (label, shares) in enumerate(series.items()):
        xs = [m + (i - (len(series) - 1) / 2) * width for m in range(len(milestones))]
        ax.bar(xs, shares, width=width, label=label)
    ax.set_xticks(range(len(milestones)), [m.replace("_", "\n") for m in milestones], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of trials reaching it")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    _legend(fig, len(series))
    return _save(fig, path)


def category_chart(
    categories: Sequence[str], series: Mapping[str, Sequence[float]], title: str, path: Path
) -> Path:
    """Grouped bars: share of command lines in each category, one bar per model."""
    fig = _figure(7, 4)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(series))
    for i, (label, shares) in enumerate(series.items()):
        xs = [c + (i - (len(series) - 1) / 2) * width for c in range(len(categories))]
        ax.bar(xs, shares, width=width, label=label)
    ax.set_xticks(range(len(categories)), [c.replace("_", " ") for c in categories])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of command lines")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    _legend(fig, len(series))
    return _save(fig, path)
