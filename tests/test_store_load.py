"""A load is whole or it says so, and a load that fails leaves the store as it was."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
from test_indicators import EP, EPISODES, HEADER, OC3

from sufficiency.errors import InputError, StoreError
from sufficiency.pipeline import load
from sufficiency.report import write_report
from sufficiency.store import Store, write_tables

H = HEADER[0]
EARLY_EPISODES = f"{EP}\n1,01/01/2020,S,C2,N1,U1,PR1,,,,LS1 4AP,LS2 7JT,\n"
EARLY_HEADER = f"{H}\n1,M,01/06/2012,WBRI,,,\n"


def council(root, **files) -> object:
    """Two years of returns (2023/24 and 2024/25) in `root`; `files` replace or add files by
    path inside it ('2024/header.csv'), None removes one."""
    base = {"2025/episodes.csv": "\n".join([EP, *EPISODES]) + "\n", "2025/header.csv": "\n".join(HEADER) + "\n",
            "2025/oc3.csv": "\n".join(OC3) + "\n", "2024/episodes.csv": EARLY_EPISODES,
            "2024/header.csv": EARLY_HEADER}
    for rel, text in {**base, **{k.replace("__", "/"): v for k, v in files.items()}}.items():
        if text is None:
            continue
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return root


def snapshot(db) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = sorted(r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall())
        return {n: con.execute(f'SELECT * FROM "{n}"').df().to_csv() for n in names}
    finally:
        con.close()


@pytest.mark.parametrize("files, named", [
    # the Header of 2023/24 is not a 903 table
    ({"2024__header.csv": "NAME,COMMENT\nx,y\n"}, ["2024/header.csv", "2023/24 Header"]),
    # the Header of 2023/24 is not a workbook at all
    ({"2024__header.csv": None, "2024__header.xlsx": b"not a workbook"}, ["2024/header.xlsx", "2023/24 Header"]),
    # the Episodes of 2023/24 have no DECOM column
    ({"2024__episodes.csv": EARLY_EPISODES.replace("DECOM", "START")}, ["2024/episodes.csv", "2023/24 Episodes",
                                                                         "no DECOM column"]),
    # no Episodes file for 2023/24
    ({"2024__episodes.csv": None}, ["2023/24 Episodes: no file was read"]),
])
def test_returns_that_are_not_whole_are_refused_naming_files_and_years(tmp_path, files, named):
    with pytest.raises(InputError) as err:
        load(council(tmp_path / "in", **files), tmp_path / "la.duckdb", la_code="E08000035")
    for text in named:
        assert text in str(err.value)
    assert "--allow-incomplete" in str(err.value)
    assert list(tmp_path.glob("*.duckdb*")) == [] and list(tmp_path.glob(".la.duckdb*")) == []


def test_whole_returns_load_with_nothing_missing(tmp_path):
    result = load(council(tmp_path / "in"), tmp_path / "la.duckdb", la_code="E08000035")
    assert result.incomplete == []
    with Store(tmp_path / "la.duckdb") as store:
        assert store.meta()["incomplete"] == [] and store.meta()["years"] == [2024, 2025]
    assert "incomplete returns" not in write_report(tmp_path / "la.duckdb", tmp_path / "r.html").html.read_text()


def test_a_load_holds_no_postcode_areas_while_it_writes_the_store(tmp_path, monkeypatch):
    """Validating and cleaning read postcode areas; the load lets them go before writing, so
    its peak memory holds either, not both."""
    from sufficiency import pipeline
    from sufficiency.reference.postcodes import directory

    held = []
    write = pipeline.write_returns
    monkeypatch.setattr(pipeline, "write_returns", lambda *a, **k: (held.append(len(directory()._tables)),
                                                                     write(*a, **k)))
    load(council(tmp_path / "in"), tmp_path / "la.duckdb", la_code="E08000035")
    assert held == [0]
    with Store(tmp_path / "la.duckdb") as store:  # the distance worked out from the postcodes is kept
        assert store.con.execute("SELECT count(pl_distance) FROM placements").fetchone()[0] > 0


def test_allow_incomplete_loads_records_what_is_missing_and_every_report_says_so(tmp_path):
    db = tmp_path / "la.duckdb"
    result = load(council(tmp_path / "in", **{"2024__header.csv": "NAME,COMMENT\nx,y\n"}), db,
                  la_code="E08000035", allow_incomplete=True)
    assert any(m.startswith("2023/24 Header") for m in result.incomplete)
    with Store(db) as store:
        assert store.meta()["incomplete"] == result.incomplete
    files = write_report(db, tmp_path / "r.html", xlsx=tmp_path / "t.xlsx")
    html = files.html.read_text()
    banner = html.index("This report is built on incomplete returns: ")
    assert banner < html.index("<h1>") and "2023/24 Header" in html[banner:html.index("<h1>")]
    readme = pd.read_excel(files.xlsx, sheet_name="README")["About"].tolist()
    assert any(str(r).startswith("This report is built on incomplete returns: ") for r in readme)


def test_a_refused_load_leaves_the_existing_store_as_it_was(tmp_path):
    db = tmp_path / "la.duckdb"
    load(council(tmp_path / "a"), db, la_code="E08000035")
    before = snapshot(db)
    with pytest.raises(InputError):
        load(council(tmp_path / "b", **{"2024__header.csv": "NAME,COMMENT\nx,y\n"}), db, la_code="E08000035")
    assert snapshot(db) == before


def test_an_interrupted_load_leaves_the_existing_store_as_it_was(tmp_path, monkeypatch):
    import sufficiency.store.db as db_module

    db = tmp_path / "la.duckdb"
    load(council(tmp_path / "a"), db, la_code="E08000035")
    before = snapshot(db)
    real = db_module._put

    def interrupted(con, tables, meta):  # half the tables written, then Ctrl-C
        real(con, dict(list(tables.items())[: len(tables) // 2]), meta)
        raise KeyboardInterrupt

    monkeypatch.setattr(db_module, "_put", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load(council(tmp_path / "b", **{"2025__oc3.csv": None}), db, la_code="E08000035")
    assert snapshot(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "la.duckdb"]


def test_results_written_before_lineage_are_removed_by_a_load_and_named(tmp_path):
    """A store whose forecast has no row in `results` (written by an older version): a new
    load cannot tell what it was built on, so removes it and names the command."""
    db = tmp_path / "la.duckdb"
    load(council(tmp_path / "a"), db, la_code="E08000035")
    write_tables(db, {"forecast_quantiles": pd.DataFrame({"value": [1.0]})}, {"forecast": {"runs": 5}})
    load(council(tmp_path / "a"), db, la_code="E08000035")
    with Store(db) as store:
        assert "forecast_quantiles" not in store.names and "forecast" not in store.meta()
        assert store.stale() == {"forecast": f"The forecast was made from other returns; run "
                                             f"`sufficiency forecast --db {db}` again."}


def test_a_duckdb_file_that_is_not_a_store_is_not_overwritten(tmp_path):
    db = tmp_path / "other.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE mine AS SELECT 42 AS answer")
    con.close()
    with pytest.raises(StoreError, match="not a sufficiency store"):
        load(council(tmp_path / "a"), db, la_code="E08000035")
    assert snapshot(db) == {"mine": duckdb.sql("SELECT 42 AS answer").df().to_csv()}


def test_a_councils_own_categories_given_at_load_reach_every_later_reader(tmp_path):
    """The map given with --categories is kept in the store: a later read groups placements by
    it, the report says so, and the returns' fingerprint changes with it (results made under
    the built-in map are no longer current)."""
    from sufficiency.store import StoreData

    own = tmp_path / "ours.yaml"
    own.write_text("categories:\n"
                   "  - {id: family, label: With family, place: [U1, U2, U3], roles: [foster, kinship], "
                   "cost: costs.weekly.kinship_foster}\n"
                   "  - {id: fostering, label: Fostering, place: [U4, U5, U6], roles: [foster], cost: costs.weekly.ifa}\n"
                   "  - {id: homes, label: Homes, place: [K1, K2], roles: [residential], "
                   "cost: costs.weekly.external_residential}\n"
                   "  - {id: elsewhere, label: Elsewhere, place: [P1], cost: costs.weekly.other}\n"
                   "default: elsewhere\n")
    returns = council(tmp_path / "in")
    plain, mine = tmp_path / "plain.duckdb", tmp_path / "mine.duckdb"
    load(returns, plain, la_code="E08000035")
    load(returns, mine, la_code="E08000035", categories=own)
    data = StoreData.read(mine)
    assert data.categories.ids == ("family", "fostering", "homes", "elsewhere")
    assert set(data.tables["episodes"]["category"]) <= set(data.categories.ids)
    assert "family" in set(data.tables["episodes"]["category"])  # child 1: U1
    assert StoreData.read(plain).categories.ids[0] == "kinship_foster"
    with Store(plain) as a, Store(mine) as b:
        assert a.meta()["returns"] != b.meta()["returns"]
    write_report(mine, tmp_path / "r.html")
    assert "council&#39;s own map of placement codes (ours.yaml" in (tmp_path / "r.html").read_text()


def test_a_bad_categories_file_is_refused_before_anything_is_written(tmp_path):
    from sufficiency.errors import SchemaError

    db = tmp_path / "la.duckdb"
    load(council(tmp_path / "in"), db, la_code="E08000035")
    before = snapshot(db)
    bad = tmp_path / "bad.yaml"
    bad.write_text("categories:\n  - {id: all, label: All, place: [U1], roles: [fostre]}\n")
    with pytest.raises(SchemaError, match="bad.yaml.*fostre"):
        load(council(tmp_path / "in"), db, la_code="E08000035", categories=bad)
    with pytest.raises(SchemaError, match="does not exist"):
        load(council(tmp_path / "in"), db, la_code="E08000035", categories=tmp_path / "nowhere.yaml")
    assert snapshot(db) == before
