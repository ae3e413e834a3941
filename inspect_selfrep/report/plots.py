"""PNG charts for the report, drawn with matplotlib's Agg canvas (no display, no pyplot state)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from matplotlib import rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

DPI = 120


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, format="png")
    return path


def _colours(n: int) -> list[str]:
    cycle = rcParams["axes.prop_cycle"].by_key()["color"]
    return [cycle[i % len(cycle)] for i in range(n)]


def _legend(fig: Figure, labels: Sequence[str], colours: Sequence[str] | None = None) -> None:
    """A legend below the plot with solid swatches (a series whose first bar is a hatched 0 stub
    would otherwise show as hatched); long labels get a column of their own."""
    if not labels:
        return
    colours = colours or _colours(len(labels))
    handles = [Patch(facecolor=c, label=label) for label, c in zip(labels, colours)]
    ncols = 1 if max(len(x) for x in labels) > 45 else min(len(labels), 3)
    fig.legend(handles=handles, loc="outside lower center", ncols=ncols, fontsize=7, frameon=False)


def success_chart(
    labels: Sequence[str],
    rates: Sequence[float],
    intervals: Sequence[tuple[float, float]],
    title: str,
    path: Path,
) -> Path:
    """Success rates as bars, a marker at each value (visible at 0 %), the Wilson interval as a
    line, and the rate written beside it."""
    fig = _figure(8, 1.2 + 0.45 * len(labels))
    ax = fig.add_subplot()
    ys = list(range(len(labels)))[::-1]
    ax.barh(ys, rates, color="#4878a8", alpha=0.35, height=0.6)
    for y, r, (lo, hi) in zip(ys, rates, intervals):
        ax.plot([lo, hi], [y, y], color="#1f3f66", linewidth=1.5)
        ax.plot([lo, lo], [y - 0.15, y + 0.15], color="#1f3f66", linewidth=1.5)
        ax.plot([hi, hi], [y - 0.15, y + 0.15], color="#1f3f66", linewidth=1.5)
        ax.plot(
            [r], [y], marker="o", markersize=7, color="#c0392b" if r == 0 else "#1f3f66", zorder=3
        )
        ax.annotate(
            f"{100 * r:.0f}%", (r, y), xytext=(6, 6), textcoords="offset points", fontsize=8
        )
    ax.set_yticks(ys, labels, fontsize=8)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(min(ys, default=0) - 0.6, max(ys, default=0) + 0.6)
    ax.set_xlabel("success rate (dot: measured; line: Wilson 95% interval)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


ZERO_STUB = 0.012  # height drawn for a 0 bar, so that it stays visible (its label says 0)


def funnel_chart(
    milestones: Sequence[str], series: Mapping[str, Sequence[float]], title: str, path: Path
) -> Path:
    """Grouped bars: share of trials reaching each milestone, one bar per series."""
    fig = _figure(max(7.0, 1.2 * len(milestones)), 4.5 + 0.15 * len(series))
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(series))
    colours = _colours(len(series))
    for i, (shares, colour) in enumerate(zip(series.values(), colours)):
        xs = [m + (i - (len(series) - 1) / 2) * width for m in range(len(milestones))]
        _bars_with_zeros(ax, xs, shares, width, colour)
    ax.set_xticks(range(len(milestones)), [m.replace("_", "\n") for m in milestones], fontsize=8)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("share of trials reaching it")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    _legend(fig, list(series), colours)
    return _save(fig, path)


def category_chart(
    categories: Sequence[str], series: Mapping[str, Sequence[float]], title: str, path: Path
) -> Path:
    """Grouped bars: share of command lines in each category, one bar per model."""
    fig = _figure(7, 4 + 0.15 * len(series))
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(series))
    colours = _colours(len(series))
    for i, (shares, colour) in enumerate(zip(series.values(), colours)):
        xs = [c + (i - (len(series) - 1) / 2) * width for c in range(len(categories))]
        _bars_with_zeros(ax, xs, shares, width, colour)
    ax.set_xticks(range(len(categories)), [c.replace("_", " ") for c in categories])
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("share of command lines")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    _legend(fig, list(series), colours)
    return _save(fig, path)


def _bars_with_zeros(
    ax: object, xs: Sequence[float], shares: Sequence[float], width: float, colour: str
) -> None:
    """Bars whose 0 values stay visible (a hatched stub) and whose values are written above them."""
    bars = ax.bar(xs, [max(v, ZERO_STUB) for v in shares], width=width, color=colour)  # type: ignore[attr-defined]
    for bar, value in zip(bars.patches, shares):
        if value == 0:
            bar.set_hatch("////")
            bar.set_edgecolor(colour)
            bar.set_facecolor("none")
        ax.annotate(  # type: ignore[attr-defined]
            f"{100 * value:.0f}%",
            (bar.get_x() + bar.get_width() / 2, max(value, ZERO_STUB)),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            fontsize=6,
        )


def outcomes_chart(
    labels: Sequence[str], series: Mapping[str, Sequence[float]], title: str, path: Path
) -> Path:
    """Horizontal grouped bars: per group, the share of trials refused / falsely claimed, and the
    share of steps rejected for format (0 stays visible)."""
    fig = _figure(8, 1.6 + 0.6 * len(labels))
    ax = fig.add_subplot()
    height = 0.8 / max(1, len(series))
    ys = list(range(len(labels)))[::-1]
    colours = _colours(len(series))
    for i, (shares, colour) in enumerate(zip(series.values(), colours)):
        pos = [y + ((len(series) - 1) / 2 - i) * height for y in ys]
        bars = ax.barh(pos, [max(v, ZERO_STUB) for v in shares], height=height, color=colour)
        for bar, value in zip(bars.patches, shares):
            if value == 0:
                bar.set_hatch("////")
                bar.set_edgecolor(colour)
                bar.set_facecolor("none")
            ax.annotate(
                f"{100 * value:.0f}%",
                (max(value, ZERO_STUB), bar.get_y() + bar.get_height() / 2),
                xytext=(3, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
            )
    ax.set_yticks(ys, labels, fontsize=8)
    ax.set_xlim(0, 1.1)
    ax.set_xlabel("share (trials; for format: steps)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    _legend(fig, list(series), colours)
    return _save(fig, path)
