"""Charts as inline SVG (matplotlib, text kept as text), one function per kind of chart.

Each returns a <figure> ready to put in the page: a caption, then the SVG (no XML header, ids
unique per chart) with a <title> and a <desc> that states the chart's point in words (given by
the caller, or worked out from the data), so a screen reader hears what a sighted reader sees.
A chart whose value axis does not start at zero says so in its caption (from the axis as drawn,
`data-axis-from` on the figure). Legends sit outside the plotting area, never over data. Each
series differs by line style or hatching as well as colour (STYLES), so charts survive greyscale
printing and colour-blindness. Values hidden by disclosure control arrive as NaN and are not drawn.
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

from ..vocab import year_label as fy  # noqa: E402

MONEY = FuncFormatter(lambda x, _=None: ("-" if x < 0 else "")
                      + (f"£{abs(x) / 1e6:,.1f}m" if abs(x) >= 1e6 else f"£{abs(x) / 1e3:,.0f}k"))

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999", "#000000"]
# (colour, line style, hatch) of the n-th series: no two share both colour lightness and pattern
STYLES = [("#0072B2", "-", ""), ("#E69F00", "--", "//"), ("#009E73", ":", ".."), ("#CC79A7", "-.", "xx"),
          ("#56B4E9", (0, (5, 1, 1, 1, 1, 1)), "\\\\"), ("#D55E00", (0, (1, 3)), "oo"),
          ("#F0E442", (0, (8, 2)), "--"), ("#999999", (0, (3, 1, 1, 1)), "++"), ("#000000", (0, (1, 1)), "**")]
_ids = itertools.count(1)

plt.rcParams.update({
    "svg.fonttype": "none", "font.family": "sans-serif", "font.size": 9,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.color": "#e5e5e5",
    "axes.axisbelow": True, "legend.frameon": False,
})


def _svg(fig, title: str, point: str) -> str:
    n = next(_ids)
    plt.rcParams["svg.hashsalt"] = f"chart{n}"
    ax = fig.axes[0]
    low = ax.get_xlim()[0] if getattr(ax, "_horizontal", False) else ax.get_ylim()[0]
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="c{n}-{m.group(1)}"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', lambda m: f"url(#c{n}-{m.group(1)})", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#c{n}-{m.group(1)}"', svg)
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="c{n}-title c{n}-desc" ', 1)
    svg = re.sub(r"(<svg[^>]*>)", lambda m: m.group(1) + f'<title id="c{n}-title">{_esc(title)}</title>'
                 f'<desc id="c{n}-desc">{_esc(point)}</desc>', svg, count=1)
    svg = re.sub(r'width="([\d.]+)pt" height="([\d.]+)pt"',
                 lambda m: f'width="{float(m.group(1)) * 4 / 3:.0f}" height="{float(m.group(2)) * 4 / 3:.0f}"',
                 svg, count=1)
    note = (f' <span class="axis-note">(the axis starts at {low:,.0f}, not zero, to show the differences)</span>'
            if low > 0 else "")
    return (f'<figure data-axis-from="{low:g}"><figcaption>{_esc(title)}{note}</figcaption>{svg}'
            f'<p class="point">{_esc(point)}</p></figure>')


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _years_axis(ax, years):
    ax.set_xticks(list(years))
    if len(years) > 9:  # short labels so that up to 14 years fit
        ax.set_xticklabels([f"{str(y - 1)[2:]}/{str(y)[2:]}" for y in years], rotation=0, fontsize=8)
    else:
        ax.set_xticklabels([f"{y - 1}/{str(y)[2:]}" for y in years], rotation=0)


def _fmt(v: float, percent: bool = False, money: bool = False) -> str:
    if money:
        return MONEY(v)
    return f"{v:.0f}%" if percent else f"{v:,.0f}"


def _legend(ax, n: int) -> None:
    """Above the plotting area, where it hides no data."""
    if n > 1:
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.02), ncol=min(n, 3), fontsize=8, frameon=False,
                  borderaxespad=0, handlelength=2.6)


def _lines_point(series: dict[str, dict[int, float]], percent: bool, money: bool) -> str:
    """'This council: 61 in 2018/19 to 78 in 2024/25. England: ...' from the drawn values."""
    out = []
    for label, s in series.items():
        ys = [y for y in sorted(s) if not np.isnan(s[y])]
        if not ys:
            continue
        a, b = s[ys[0]], s[ys[-1]]
        out.append(f"{label}: {_fmt(a, percent, money)} in {fy(ys[0])}" if len(ys) == 1 else
                   f"{label}: from {_fmt(a, percent, money)} in {fy(ys[0])} to {_fmt(b, percent, money)} in {fy(ys[-1])}")
    return ". ".join(out) + "." if out else "No figures to show."


def lines(series: dict[str, dict[int, float]], title: str, ylabel: str, percent: bool = False,
          money: bool = False, zero: bool = True, point: str = "", height: float = 2.6) -> str:
    """One line per series over years (e.g. the council and England). The axis starts at zero
    (`zero`) unless a value is negative, when zero is drawn as a line; `point`: what the chart
    shows, in words (default: each series' first and last value)."""
    fig, ax = plt.subplots(figsize=(6.4, height))
    years = sorted({y for s in series.values() for y in s})
    for (label, s), (colour, style, _) in zip(series.items(), STYLES, strict=False):
        ys = [s.get(y, np.nan) for y in years]
        ax.plot(years, ys, linestyle=style, marker="o", color=colour, label=label, linewidth=2, markersize=4)
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
    _legend(ax, len(series))
    return _svg(fig, title, point or _lines_point(series, percent, money))


def stacked_shares(counts: dict[str, dict[int, float]], labels: dict[str, str], title: str,
                   point: str = "") -> str:
    """Stacked bars: each category's share (%) of the year's total; NaN (suppressed) not drawn."""
    years = sorted({y for s in counts.values() for y in s})
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    totals = np.array([sum(np.nan_to_num(counts[c].get(y, 0.0)) for c in counts) for y in years], float)
    bottom = np.zeros(len(years))
    last = {}
    for cat, (colour, _, hatch) in zip(counts, itertools.cycle(STYLES)):
        vals = np.array([counts[cat].get(y, 0.0) for y in years], float)
        share = np.where(totals > 0, 100 * np.nan_to_num(vals) / np.where(totals > 0, totals, 1), 0)
        ax.bar(years, share, bottom=bottom, color=colour, label=labels.get(cat, cat), width=0.7, hatch=hatch,
               edgecolor="white", linewidth=0.5)
        bottom += share
        last[labels.get(cat, cat)] = share[-1] if len(share) else 0.0
    _years_axis(ax, years)
    ax.set_ylabel("% of children")
    ax.set_ylim(0, 100)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    if not point and last and years:
        top = sorted(last.items(), key=lambda kv: -kv[1])[:3]
        point = f"In {fy(years[-1])}: " + ", ".join(f"{k} {v:.0f}%" for k, v in top) + " (the largest shares)."
    return _svg(fig, title, point or "No figures to show.")


def bars(values: dict[str, float], title: str, xlabel: str, money: bool = False, point: str = "") -> str:
    """Horizontal bars, largest first; NaN (suppressed) shown as an empty bar marked c; negative
    values drawn to the left of zero."""
    items = sorted(values.items(), key=lambda kv: -np.nan_to_num(kv[1], nan=-np.inf))
    fig, ax = plt.subplots(figsize=(6.4, 0.35 * len(items) + 0.8))
    ax._horizontal = True
    names = [k for k, _ in items][::-1]
    vals = [v for _, v in items][::-1]
    ax.barh(names, np.nan_to_num(vals), color=[STYLES[0][0] if np.nan_to_num(v) >= 0 else STYLES[1][0] for v in vals],
            hatch=[STYLES[0][2] if np.nan_to_num(v) >= 0 else STYLES[1][2] for v in vals], edgecolor="white")
    top = max(np.nan_to_num(vals).max(initial=0), 0)
    low = min(np.nan_to_num(vals).min(initial=0), 0)
    span = max(top - low, 1)
    for i, v in enumerate(vals):
        text = "c" if np.isnan(v) else _fmt(v, money=money)
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
    shown_ = [(k, v) for k, v in items if not np.isnan(v)]
    if not point and shown_:
        point = f"Largest: {shown_[0][0]} ({_fmt(shown_[0][1], money=money)})"
        point += f"; smallest: {shown_[-1][0]} ({_fmt(shown_[-1][1], money=money)})." if len(shown_) > 1 else "."
    return _svg(fig, title, point or "No figures to show.")


def fan(history: dict[int, float], quantiles: dict[float, dict[int, float]], title: str, ylabel: str,
        point: str = "") -> str:
    """Past values as a line, then the forecast's median with its 50% and 90% bands."""
    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    hy = sorted(history)
    ax.plot(hy, [history[y] for y in hy], "-o", color=STYLES[8][0], label="Recorded", linewidth=2, markersize=4)
    fy_ = sorted(quantiles[0.5])
    q = {k: np.array([quantiles[k][y] for y in fy_]) for k in quantiles}
    ax.fill_between(fy_, q[0.05], q[0.95], color=STYLES[0][0], alpha=0.18, linewidth=0, label="9 in 10 simulations")
    ax.fill_between(fy_, q[0.25], q[0.75], color=STYLES[0][0], alpha=0.35, linewidth=0, label="1 in 2 simulations")
    ax.plot(fy_, q[0.5], "--o", color=STYLES[0][0], label="Median forecast", linewidth=2, markersize=4)
    years = sorted(set(hy) | set(fy_))
    _years_axis(ax, years)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    _legend(ax, 4)
    if not point:
        end = fy_[-1]
        point = (f"Recorded: {history[hy[-1]]:,.0f} in {fy(hy[-1])}. " if hy else "") + (
            f"Median forecast: {q[0.5][-1]:,.0f} in {fy(end)}, 9 simulations in 10 between "
            f"{q[0.05][-1]:,.0f} and {q[0.95][-1]:,.0f}.")
    return _svg(fig, title, point)
