"""Charts as inline SVG (matplotlib, text kept as text), one function per kind of chart.

Each returns an SVG string ready to put in the page: no XML header, ids unique per chart, a
<title> for screen readers. Values hidden by disclosure control arrive as NaN and are not drawn.
"""

from __future__ import annotations

import io
import itertools
import re

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

MONEY = FuncFormatter(lambda x, _=None: ("-" if x < 0 else "")
                      + (f"£{abs(x) / 1e6:,.0f}m" if abs(x) >= 1e6 else f"£{abs(x) / 1e3:,.0f}k"))

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999", "#000000"]
_ids = itertools.count(1)

plt.rcParams.update({
    "svg.fonttype": "none", "font.family": "sans-serif", "font.size": 9,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.color": "#e5e5e5",
    "axes.axisbelow": True, "legend.frameon": False,
})


def _svg(fig, title: str) -> str:
    n = next(_ids)
    plt.rcParams["svg.hashsalt"] = f"chart{n}"
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="c{n}-{m.group(1)}"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', lambda m: f"url(#c{n}-{m.group(1)})", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#c{n}-{m.group(1)}"', svg)
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="c{n}-title" ', 1)
    svg = re.sub(r"(<svg[^>]*>)", lambda m: m.group(1) + f'<title id="c{n}-title">{_esc(title)}</title>', svg, count=1)
    svg = re.sub(r'width="([\d.]+)pt" height="([\d.]+)pt"',
                 lambda m: f'width="{float(m.group(1)) * 4 / 3:.0f}" height="{float(m.group(2)) * 4 / 3:.0f}"',
                 svg, count=1)
    return f'<figure><figcaption>{_esc(title)}</figcaption>{svg}</figure>'



def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _years_axis(ax, years):
    ax.set_xticks(list(years))
    if len(years) > 9:  # short labels so that up to 14 years fit
        ax.set_xticklabels([f"{str(y - 1)[2:]}/{str(y)[2:]}" for y in years], rotation=0, fontsize=8)
    else:
        ax.set_xticklabels([f"{y - 1}/{str(y)[2:]}" for y in years], rotation=0)


def lines(series: dict[str, dict[int, float]], title: str, ylabel: str, percent: bool = False,
          money: bool = False, zero: bool = True) -> str:
    """One line per series over years (e.g. the council and England). The axis starts at zero
    (`zero`) unless a value is negative, when zero is drawn as a line."""
    fig, ax = plt.subplots(figsize=(6.4, 2.6))
    years = sorted({y for s in series.values() for y in s})
    for (label, s), colour, style in zip(series.items(), PALETTE, ["-", "--", ":", "-."] * 3, strict=False):
        ys = [s.get(y, np.nan) for y in years]
        ax.plot(years, ys, style, marker="o", color=colour, label=label, linewidth=2, markersize=4)
    _years_axis(ax, years)
    ax.set_ylabel(ylabel)
    values = [v for s in series.values() for v in s.values() if not np.isnan(v)]
    if values and min(values) < 0:
        ax.axhline(0, color="#444", linewidth=0.8)
        ax.set_ylim(min(values) * 1.15, max(0, max(values)) * 1.15 + 1)
    elif percent:
        ax.set_ylim(0, max(5, np.nanmax(values or [1]) * 1.2))
    elif zero:
        ax.set_ylim(bottom=0)
    if money:
        ax.yaxis.set_major_formatter(MONEY)
    if len(series) > 2:  # below the plot, where it hides no line
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=min(len(series), 3), fontsize=8,
                  frameon=False)
    elif len(series) > 1:
        ax.legend(loc="lower left", ncol=len(series))
    return _svg(fig, title)


def stacked_shares(counts: dict[str, dict[int, float]], labels: dict[str, str], title: str) -> str:
    """Stacked bars: each category's share (%) of the year's total; NaN (suppressed) not drawn."""
    years = sorted({y for s in counts.values() for y in s})
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    totals = np.array([sum(np.nan_to_num(counts[c].get(y, 0.0)) for c in counts) for y in years], float)
    bottom = np.zeros(len(years))
    for cat, colour in zip(counts, itertools.cycle(PALETTE)):
        vals = np.array([counts[cat].get(y, 0.0) for y in years], float)
        share = np.where(totals > 0, 100 * np.nan_to_num(vals) / np.where(totals > 0, totals, 1), 0)
        ax.bar(years, share, bottom=bottom, color=colour, label=labels.get(cat, cat), width=0.7)
        bottom += share
    _years_axis(ax, years)
    ax.set_ylabel("% of children")
    ax.set_ylim(0, 100)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    return _svg(fig, title)


def bars(values: dict[str, float], title: str, xlabel: str, money: bool = False) -> str:
    """Horizontal bars, largest first; NaN (suppressed) shown as an empty bar marked c; negative
    values drawn to the left of zero."""
    items = sorted(values.items(), key=lambda kv: -np.nan_to_num(kv[1], nan=-np.inf))
    fig, ax = plt.subplots(figsize=(6.4, 0.35 * len(items) + 0.8))
    names = [k for k, _ in items][::-1]
    vals = [v for _, v in items][::-1]
    ax.barh(names, np.nan_to_num(vals), color=[PALETTE[0] if np.nan_to_num(v) >= 0 else PALETTE[1] for v in vals])
    top = max(np.nan_to_num(vals).max(initial=0), 0)
    low = min(np.nan_to_num(vals).min(initial=0), 0)
    span = max(top - low, 1)
    for i, v in enumerate(vals):
        text = "c" if np.isnan(v) else (MONEY(v) if money else f"{v:,.0f}")
        x = np.nan_to_num(v)
        ax.text(x + span * 0.01 if x >= 0 else x - span * 0.01, i, text, va="center", fontsize=8,
                ha="left" if x >= 0 else "right")
    ax.set_xlim(low - (span * 0.2 if low < 0 else 0), top + span * 0.15)
    if low < 0:
        ax.axvline(0, color="#444", linewidth=0.8)
    if money:
        ax.xaxis.set_major_formatter(MONEY)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    return _svg(fig, title)


def fan(history: dict[int, float], quantiles: dict[float, dict[int, float]], title: str, ylabel: str) -> str:
    """Past values as a line, then the forecast's median with its 50% and 90% bands."""
    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    hy = sorted(history)
    ax.plot(hy, [history[y] for y in hy], "-o", color=PALETTE[8], label="Recorded", linewidth=2, markersize=4)
    fy_ = sorted(quantiles[0.5])
    q = {k: np.array([quantiles[k][y] for y in fy_]) for k in quantiles}
    ax.fill_between(fy_, q[0.05], q[0.95], color=PALETTE[0], alpha=0.18, linewidth=0, label="90% of futures")
    ax.fill_between(fy_, q[0.25], q[0.75], color=PALETTE[0], alpha=0.35, linewidth=0, label="50% of futures")
    ax.plot(fy_, q[0.5], "--o", color=PALETTE[0], label="Median forecast", linewidth=2, markersize=4)
    years = sorted(set(hy) | set(fy_))
    _years_axis(ax, years)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    ax.legend(loc="lower left", ncol=2, fontsize=8)
    return _svg(fig, title)
