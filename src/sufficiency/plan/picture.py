"""The plan on a picture of the councils: each council a point at its centroid (British
National Grid, north up), sized by the places the plan adds there (the council with most a circle of radius LARGEST
pixels, so councils close together stay apart); inline SVG, no map tiles."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

WIDTH, HEIGHT, PAD = 640, 480, 60
LARGEST = 24  # the radius, in pixels, of the council where the plan adds most


def added_by_end(decisions: pd.DataFrame) -> pd.Series:
    """Places the plan adds in each council by its last year: new homes' beds and foster places
    (they stay), and the block beds contracted for the last year (contracts are yearly)."""
    if not len(decisions):
        return pd.Series(dtype=float)
    block = decisions["what"] == "block beds"
    last = block & (decisions["ready"] == decisions["ready"].max())
    return decisions[~block | last].groupby("council")["places"].sum()


def plan_svg(councils: pd.DataFrame, decisions: pd.DataFrame) -> str:
    """councils: council, name, easting, northing; decisions: the plan table (council, what,
    ready, places)."""
    added = added_by_end(decisions)
    e, n = councils["easting"].to_numpy(float), councils["northing"].to_numpy(float)
    span = max(np.ptp(e), np.ptp(n), 1.0)
    scale = min(WIDTH, HEIGHT) - 2 * PAD
    x = (WIDTH - np.ptp(e) / span * scale) / 2 + (e - e.min()) / span * scale  # the councils in the middle
    y = (HEIGHT + np.ptp(n) / span * scale) / 2 - (n - n.min()) / span * scale
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
             f'height="{HEIGHT}" role="img" aria-label="Places the plan adds in each council">',
             '<rect width="100%" height="100%" fill="#fff"/>']
    most = max(float(added.max()) if len(added) else 0.0, 1e-9)
    for i, row in enumerate(councils.itertuples(index=False)):
        places = float(added.get(row.council, 0.0))
        r = 4 + (LARGEST - 4) * np.sqrt(places / most)
        fill = "#1d70b8" if places > 0 else "#b1b4b6"
        label = escape(str(row.name)) + (f" +{places:g}" if places > 0 else "")
        parts.append(f'<circle cx="{x[i]:.1f}" cy="{y[i]:.1f}" r="{r:.1f}" fill="{fill}" fill-opacity="0.7">'
                     f'<title>{label} places</title></circle>')
        parts.append(f'<text x="{x[i] + r + 3:.1f}" y="{y[i] + 4:.1f}" font-size="12" '
                     f'font-family="sans-serif">{label}</text>')
    parts.append(f'<text x="10" y="{HEIGHT - 26}" font-size="11" font-family="sans-serif" fill="#505a5f">'
                 "Councils at their centroids; the larger the circle, the more places the plan adds by its last "
                 "year</text>")
    most_text = f"most: {most:g}" if len(added) and added.max() > 0 else "here none"
    parts.append(f'<text x="10" y="{HEIGHT - 12}" font-size="11" font-family="sans-serif" fill="#505a5f">'
                 f"({most_text}): new homes' beds, foster places and block beds; grey: nothing new.</text></svg>")
    return "\n".join(parts)


def plan_html(title: str, svg: str, tables: dict[str, pd.DataFrame], notes: list[str]) -> str:
    """A self-contained page: the notes, the picture and each table."""
    body = [f"<h1>{escape(title)}</h1>", *(f"<p>{escape(n)}</p>" for n in notes), svg]
    for name, frame in tables.items():
        body.append(f"<h2>{escape(name)}</h2>")
        body.append(frame.to_html(index=False, float_format=lambda v: f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}",
                                  border=0))
    style = "body{font-family:sans-serif;max-width:960px;margin:2em auto}td,th{padding:2px 8px;text-align:right}"
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>")
