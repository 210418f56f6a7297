"""The board paper and the analyst's report read as a councillor and a screen reader would:
key messages from hand-built frames, one value per quantity, no internal words, charts with a
text alternative and an honest axis, headings in order, colours that survive greyscale and
colour-blindness, and (rendering the PDF) at most 8 board pages, no blank page, no table
wider than the page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sufficiency.cli import app
from sufficiency.report import charts
from sufficiency.report.board import BENCH_COLUMNS, benchmarks, key_messages
from sufficiency.report.words import internal_words

CAT = pd.DataFrame([
    ("cla_rate_per_10k", "rate_per_10k", "neutral"), ("started", "count", "neutral"),
    ("pct_over_20_miles", "percent", "worse"), ("pct_long_term_stability", "percent", "better"),
], columns=["indicator", "unit", "higher_is"]).assign(title=lambda d: d["indicator"])


def _frame(rows, suppressed=()):
    f = pd.DataFrame(rows, columns=["indicator", "year", "value"]).assign(dimension="", category="all")
    f["suppressed"] = [(r[0], r[1]) in suppressed for r in rows]
    return f


def _bench(rows):
    b = pd.DataFrame(rows, columns=["indicator", "year", "council", "neighbours", "region", "england"])
    for c in BENCH_COLUMNS:
        if c not in b:
            b[c] = "" if c == "flag" else np.nan
    return b[BENCH_COLUMNS]


def test_key_messages_say_what_changed_and_judge_it_by_the_indicators_direction():
    f = _frame([("pct_over_20_miles", 2024, 20.0), ("pct_over_20_miles", 2025, 23.4),
                ("pct_long_term_stability", 2024, 70.0), ("pct_long_term_stability", 2025, 64.6),
                ("started", 2024, 400.0), ("started", 2025, 440.0)])
    b = _bench([("pct_over_20_miles", 2025, 23.4, 18.0, 23.0, 16.0),
                ("pct_long_term_stability", 2025, 64.6, np.nan, np.nan, 70.0)])
    m = {x.indicator: x for x in key_messages(f, CAT, b, 2025)}
    far = m["pct_over_20_miles"]
    assert far.value == "23%"
    assert "up 3 points from 20% in 2023/24 (worse)" in far.headline
    # neighbours set the tone; the region rounds to the same figure
    assert far.comparison == ("Higher than statistical neighbours (18%) and England (16%) and the same as "
                              "the region (23%) (worse).")
    assert far.tone == "worse" and far.badge == "Worse"
    stable = m["pct_long_term_stability"]
    assert "down 5 points from 70% in 2023/24 (worse)" in stable.headline
    assert stable.comparison == "Compared with England only: lower than England (70%) (worse)."
    # a count: its change in %, no judgement, never compared with England's total
    started = m["started"]
    assert "up 10% from 400 in 2023/24." in started.headline and started.comparison == "" and started.tone == ""


def test_key_messages_leave_out_hidden_figures_and_say_when_there_is_nothing_to_compare():
    f = _frame([("pct_over_20_miles", 2025, 50.0), ("cla_rate_per_10k", 2025, 81.0),
                ("cla_rate_per_10k", 2024, 80.9)], suppressed={("pct_over_20_miles", 2025)})
    msgs = key_messages(f, CAT, _bench([]), 2025)
    assert [m.indicator for m in msgs] == ["cla_rate_per_10k"]
    assert "the same as in 2023/24" in msgs[0].headline
    assert msgs[0].comparison == "No published figure to compare with."
    better = key_messages(_frame([("pct_over_20_miles", 2025, 10.0)]), CAT,
                          _bench([("pct_over_20_miles", 2025, 10.0, 12.0, np.nan, 9.0)]), 2025)[0]
    assert better.tone == "better" and "England only" not in better.comparison


def test_charts_say_their_point_and_own_an_axis_that_does_not_start_at_zero():
    fig = charts.lines({"A": {2024: 1000.0, 2025: 1100.0}}, "Children", "children", zero=False)
    assert re.search(r'data-axis-from="(\d+)"', fig) and float(re.search(r'data-axis-from="([\d.]+)"', fig)[1]) > 0
    assert "not zero" in fig and "A: from 1,000 in 2023/24 to 1,100 in 2024/25." in fig
    fig = charts.lines({"A": {2024: 1000.0, 2025: 1100.0}}, "Children", "children")
    assert 'data-axis-from="0"' in fig and "not zero" not in fig
    assert "Largest: b (£2.0m); smallest: a (£10k)." in charts.bars({"a": 1e4, "b": 2e6}, "t", "£", money=True)


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# Viénot, Brettel and Mollon (1999) simulation matrices on linear RGB
DICHROMATS = {"protanopia": np.array([[0.112, 0.888, 0], [0.112, 0.888, 0], [0.004, -0.004, 1]]),
              "deuteranopia": np.array([[0.292, 0.708, 0], [0.292, 0.708, 0], [-0.022, 0.022, 1]])}


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]) ** 2.2


def test_every_pair_of_series_styles_survives_greyscale_and_colour_blindness():
    """Two series differ by pattern (line style and hatching) or, where they share one, by
    lightness in greyscale and by colour as protanopes and deuteranopes see it."""
    for i, (c1, style1, hatch1) in enumerate(charts.STYLES):
        for c2, style2, hatch2 in charts.STYLES[i + 1:]:
            if style1 != style2 and hatch1 != hatch2:
                continue
            assert abs(_luminance(c1) - _luminance(c2)) > 0.1, (c1, c2)
            for m in DICHROMATS.values():
                assert np.abs(m @ _rgb(c1) - m @ _rgb(c2)).max() > 0.1, (c1, c2)
    assert len({s for _, s, _ in charts.STYLES}) == len(charts.STYLES)
    assert len({h for _, _, h in charts.STYLES}) == len(charts.STYLES)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A synthetic council's returns loaded, forecast and two plans compared (small runs)."""
    d = tmp_path_factory.mktemp("board")
    db = str(d / "s.duckdb")
    runner = CliRunner()
    for args in (["synth", "--la", "York", "--years", "2021-2025", "--seed", "3", "--out", str(d / "ret")],
                 ["load", str(d / "ret"), "--db", db],
                 ["forecast", "--db", db, "--runs", "60", "--years", "3"],
                 ["compare", "baseline", "family-help", "kinship-first", "--db", db, "--runs", "60", "--years", "3"]):
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.output
    return db


@pytest.fixture(scope="module")
def written(store, tmp_path_factory):
    from sufficiency.report import write_report

    d = tmp_path_factory.mktemp("out")
    r = CliRunner().invoke(app, ["report", "--db", store, "--board", "--out", str(d / "b.html")])
    assert r.exit_code == 0, r.output
    return write_report(store, d / "r.html"), write_report(store, d / "b2.html", board=True), d / "b.html"


class _Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.headings, self.figures, self.svgs, self.th = [], [], [], []
        self._desc = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "figure":
            self.figures.append([float(a["data-axis-from"]), ""])
        elif tag == "svg":
            self.svgs.append([a.get("role"), a.get("aria-labelledby", ""), ""])
        elif tag == "desc":
            self._desc = True
        elif tag == "th":
            self.th.append(a.get("scope"))

    def handle_endtag(self, tag):
        self._desc = self._desc and tag != "desc"

    def handle_data(self, data):
        if self._desc:
            self.svgs[-1][2] += data
        if self.figures and "not zero" in data:
            self.figures[-1][1] = data


@pytest.mark.parametrize("which", ["analyst", "board"])
def test_reports_are_accessible_and_free_of_internal_words(written, which):
    files = written[0] if which == "analyst" else written[1]
    html = files.html.read_text()
    assert internal_words(html, board=which == "board") == []
    o = _Outline()
    o.feed(html)
    assert o.headings[0] == 1 and all(b <= a + 1 for a, b in zip(o.headings, o.headings[1:], strict=False))
    assert o.svgs and all(role == "img" and "desc" in ids and len(desc) > 20 for role, ids, desc in o.svgs)
    assert all(note for low, note in o.figures if low > 0), "a chart's axis starts above zero without a note"
    assert o.th and all(scope in ("col", "row") for scope in o.th)
    assert "<table" in html and all("<thead>" in t for t in html.split("<table")[1:])


def test_a_banned_word_is_found_in_what_a_reader_sees_only():
    assert internal_words('<p>run with seed 1 over 1000 futures</p>') == ["seed", "futures"]
    assert internal_words('<div id="seed"><style>.futures {}</style>Plain words</div>') == []
    assert internal_words("<p>placed_for_adoption, DECOM</p>", board=True) == ["placed_for_adoption", "DECOM"]


def test_the_same_quantity_has_the_same_value_in_every_section_and_both_reports(written):
    analyst, board, cli_board = written
    seen: dict[str, set[str]] = {}
    sections = [*analyst.report.sections, *board.board.themes, board.board.plans]
    for s in sections:
        for k, v in s.figures.items():
            seen.setdefault(k, set()).add(v)
    assert seen and all(len(v) == 1 for v in seen.values()), seen
    forecast = [k for k in seen if k.endswith("median forecast")]
    assert forecast and all(k in s.figures for s in (board.board.plans, *board.board.themes) if s.id == "plans"
                            for k in forecast)
    for k in forecast:
        (v,) = seen[k]
        assert v in board.html.read_text() and v in analyst.html.read_text()
    assert cli_board.read_text().count("Key messages") == 1


def test_board_paper_first_page_has_the_key_messages_and_at_most_8_pages(written, tmp_path):
    pytest.importorskip("weasyprint")
    from weasyprint import HTML

    doc = HTML(string=written[1].html.read_text()).render()
    assert len(doc.pages) <= 8
    first = _page_text(doc.pages[0])
    assert "Key messages" in first and re.search(r"\d+%", first)
    # York's statistical neighbours are published: the page compares with them, not England alone
    assert "statistical neighbours (" in first


def _walk(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _walk(child)


def _page_text(page) -> str:
    from weasyprint.formatting_structure import boxes

    body = [c for c in page._page_box.children if not isinstance(c, boxes.MarginBox)]
    return "".join(b.text for c in body for b in _walk(c) if isinstance(b, boxes.TextBox))


def test_analyst_pdf_has_no_blank_page_and_no_table_wider_than_the_page(written):
    """Lays the analyst's report out as the PDF is (WeasyPrint) and looks at every page."""
    pytest.importorskip("weasyprint")
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    doc = HTML(string=written[0].html.read_text()).render()
    for n, page in enumerate(doc.pages, 1):
        pb = page._page_box
        right = pb.content_box_x() + pb.width
        body = [c for c in pb.children if not isinstance(c, boxes.MarginBox)]
        tables = [b for c in body for b in _walk(c) if isinstance(b, boxes.TableBox)]
        assert all(t.position_x + t.margin_width() <= right + 1 for t in tables), f"page {n}: a table is too wide"
        drawn = any(isinstance(b, boxes.ReplacedBox) or getattr(b, "element_tag", "") == "svg"
                    for c in body for b in _walk(c))
        assert drawn or len(_page_text(page)) > 200, f"page {n} is all but blank"


def test_board_benchmarks_give_neighbours_and_region_where_published_and_england_beside_the_rest(store):
    from sufficiency.indicators import compute_all

    ind = compute_all(store)
    b = benchmarks(ind)
    assert list(b.columns) == BENCH_COLUMNS
    assert not b.duplicated(["indicator", "year"]).any()
    rate = b[(b["indicator"] == "cla_rate_per_10k") & (b["year"] == 2025)]
    assert rate["england"].notna().all()
    assert ind.la_code  # York, from the home postcodes: its neighbours and region are published
    assert rate["neighbours"].notna().all() and rate["region"].notna().all()
    far = b[b["indicator"] == "pct_over_20_miles"]  # not in the DfE's LA-level files: England alone
    assert len(far) and far["neighbours"].isna().all() and far["england"].notna().any()
