"""Sharing with a region and the region's side, on small synthetic councils: what a share and
the regional store hold (no raw identifier, full date of birth or full postcode), pseudonyms kept
across shares, every kind of file the region must refuse, removal, and regional totals."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import zipfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sufficiency import api
from sufficiency.cli import app
from sufficiency.errors import InputError, SchemaError, SufficiencyError
from sufficiency.region.agreement import load_agreement, parse_agreement
from sufficiency.region.forecast import entry_correlation, reorder
from sufficiency.region.imports import add_shares, remove_council
from sufficiency.region.indicators import REGION, RegionData, indicators
from sufficiency.region.key import council_key, pseudonyms
from sufficiency.region.location import by_council, flows, matrix_suppressed, where
from sufficiency.region.package import read_share
from sufficiency.region.share import district, month, share_store
from sufficiency.region.store import DATA_TABLES, read_log

GM = load_agreement("Greater Manchester")
COUNTS = ["cla_31_march", "started", "ceased", "care_leavers", "uasc_31_march", "missing_children"]


def _council(root: Path, la: str, years=(2023, 2025), children: int = 60, keep=None) -> Path:
    """A synthetic council loaded into a store (only the years `keep` of its returns, if given)."""
    returns = root / f"{la}-returns"
    if not returns.exists():
        api.synth(api.SynthOptions(la=la, years=years, seed=3, out=returns, children=children))
    source = returns
    if keep:
        source = root / f"{la}-{'-'.join(map(str, keep))}"
        for y in keep:
            shutil.copytree(returns / str(y), source / str(y))
    db = root / f"{source.name}.duckdb"
    api.load(api.LoadOptions(path=source, db=db, la=la))
    return db


@pytest.fixture(scope="module")
def councils(tmp_path_factory):
    root = tmp_path_factory.mktemp("region")
    stores = {la: _council(root, la) for la in ("Bolton", "Wigan", "Leeds")}
    stores["Bolton-early"] = _council(root, "Bolton", keep=(2023, 2024))
    key = root / "bolton.share-key"
    council_key(key)  # a key kept away from the store, given with --key
    shares = {la: share_store(stores[la], GM, root / f"{la}.share", key if la == "Bolton" else None).path
              for la in ("Bolton", "Wigan")}
    shares["Bolton-early"] = share_store(stores["Bolton-early"], GM, root / "bolton-early.share", key).path
    return {"root": root, "stores": stores, "shares": shares, "key": key}


def _raw(db: Path) -> dict[str, set]:
    """The raw child identifiers, (child, full date of birth) pairs and full postcodes of a store."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        ids = {r[0] for t in DATA_TABLES for r in con.execute(f'SELECT DISTINCT child FROM "{t}"').fetchall()}
        dobs = {(c, d.date()) for c, d in con.execute("SELECT child, dob FROM children WHERE dob IS NOT NULL "
                                                      "AND day(dob) <> 1").fetchall()}
        posts = {p for col in ("home_post", "pl_post") for (p,) in
                 con.execute(f"SELECT DISTINCT {col} FROM episodes WHERE length({col}) >= 5").fetchall()}
    finally:
        con.close()
    return {"ids": {str(i) for i in ids}, "dobs": dobs, "posts": posts}


def _cells(frame: pd.DataFrame) -> set[str]:
    return {str(v) for col in frame.columns for v in frame[col].dropna().unique()}


def _assert_clean(tables: dict[str, pd.DataFrame], raw: dict[str, set], key: bytes, extra_text: str = "") -> None:
    cells = set().union(*(_cells(f) for f in tables.values())) | {extra_text}
    assert not raw["ids"] & cells, "a raw child identifier is in the data"
    squeezed = {p.replace(" ", "") for p in raw["posts"]}
    text = [c for c in cells if len(c) >= 5]
    assert not [c for c in text if any(p in c or p in c.replace(" ", "") for p in raw["posts"] | squeezed)]
    assert key.hex() not in "".join(text)
    # dates of birth only to the month (the raw ones checked for are those not on the 1st)
    for frame in tables.values():
        if "dob" in frame.columns:
            assert (pd.to_datetime(frame["dob"]).dropna().dt.day == 1).all()
    columns = {c for f in tables.values() for c in f.columns}
    assert not columns & {"mother", "mc_dob", "upn_present", "sw_id", "source_file", "source_row"}


def test_share_holds_no_raw_identifier_full_date_of_birth_or_postcode(councils):
    raw = _raw(councils["stores"]["Bolton"])
    assert raw["ids"] and raw["dobs"] and raw["posts"]  # the check below has something to find
    share = read_share(councils["shares"]["Bolton"])
    manifest = zipfile.ZipFile(councils["shares"]["Bolton"]).read("manifest.json").decode()
    _assert_clean(share.tables, raw, council_key(councils["key"], create=False), manifest)
    assert share.manifest["agreement"]["version"] == GM.version
    for name, spec in share.manifest["tables"].items():
        assert spec["rows"] == len(share.tables[name]) and spec["columns"] == list(share.tables[name].columns)


def test_regional_store_holds_no_raw_identifier_full_date_of_birth_or_postcode(councils, tmp_path):
    db = tmp_path / "region.duckdb"
    add_shares(db, [councils["shares"]["Bolton"], councils["shares"]["Wigan"]])
    con = duckdb.connect(str(db), read_only=True)
    names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    tables = {n: con.execute(f'SELECT * FROM "{n}"').df() for n in names}
    con.close()
    bolton = {n: t[t["council"] == "E08000001"] for n, t in tables.items() if n in DATA_TABLES}
    _assert_clean(bolton, _raw(councils["stores"]["Bolton"]), council_key(councils["key"], create=False),
                  " ".join(" ".join(_cells(t)) for n, t in tables.items() if n not in DATA_TABLES))
    assert not _raw(councils["stores"]["Wigan"])["ids"] & set().union(*(_cells(t) for t in tables.values()))


def test_the_key_stays_private_and_out_of_the_share(councils, tmp_path):
    mode = stat.S_IMODE(os.stat(councils["key"]).st_mode)
    assert mode == 0o600
    loose = tmp_path / "loose.key"
    loose.write_text("ab" * 32)
    loose.chmod(0o644)
    with pytest.raises(InputError, match="can be read by other users"):
        council_key(loose)
    raw_zip = Path(councils["shares"]["Bolton"]).read_bytes()
    assert council_key(councils["key"]).hex().encode() not in raw_zip


def test_treatments():
    cut = district(pd.Series(["BL3 2WT", "bl32wt", "M1 1AA", "BL3", None]))
    assert cut[:4].tolist() == ["BL3", "BL3", "M1", "BL3"] and pd.isna(cut[4])
    cut = month(pd.Series(pd.to_datetime(["2010-05-17", "2011-12-31", None])))
    assert cut[:2].tolist() == [pd.Timestamp("2010-05-01"), pd.Timestamp("2011-12-01")] and pd.isna(cut[2])
    a, b = pseudonyms(pd.Series(["1", "1 ", "2"]), b"k" * 32), pseudonyms(pd.Series(["1"]), b"j" * 32)
    assert a[0] == a[1] != a[2] and a[0] != b[0]


def test_same_child_same_pseudonym_and_a_later_share_updates(councils, tmp_path):
    early, late = read_share(councils["shares"]["Bolton-early"]), read_share(councils["shares"]["Bolton"])
    raw_early = _raw(councils["stores"]["Bolton-early"])["ids"]
    raw_late = _raw(councils["stores"]["Bolton"])["ids"]
    common = set(early.tables["children"]["child"]) & set(late.tables["children"]["child"])
    assert len(common) == len(raw_early & raw_late & _children(councils["stores"]["Bolton-early"])
                              & _children(councils["stores"]["Bolton"])) > 0
    db = tmp_path / "region.duckdb"
    add_shares(db, [councils["shares"]["Bolton-early"]])
    done = add_shares(db, [councils["shares"]["Bolton"]])
    assert done[0].replaced and not done[0].key_changed
    con = duckdb.connect(str(db), read_only=True)
    for t in DATA_TABLES:
        assert con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] == len(late.tables[t])
    con.close()
    log = read_log(db)
    assert list(log["action"]) == ["agreement", "import", "import"]


def _children(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {str(r[0]) for r in con.execute("SELECT child FROM children").fetchall()}
    finally:
        con.close()


def _altered_part(path: Path, out: Path) -> Path:
    """The share with one value of its episodes part changed and its manifest left as it was."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with zipfile.ZipFile(path) as z, zipfile.ZipFile(out, "w") as w:
        for name in z.namelist():
            data = z.read(name)
            if name == "episodes.parquet":
                t = pq.read_table(io.BytesIO(data)).to_pandas()
                t.loc[0, "place"] = "R1" if t.loc[0, "place"] != "R1" else "U1"
                buf = io.BytesIO()
                pq.write_table(pa.Table.from_pandas(t, preserve_index=False), buf, compression="zstd")
                data = buf.getvalue()
            w.writestr(name, data)
    return out


def _altered_manifest(path: Path, out: Path) -> Path:
    with zipfile.ZipFile(path) as z, zipfile.ZipFile(out, "w") as w:
        for name in z.namelist():
            data = z.read(name)
            if name == "manifest.json":
                m = json.loads(data)
                m["council"] = {"code": "E08000002", "name": "Bury"}
                data = json.dumps(m).encode()
            w.writestr(name, data)
    return out


def _agreement_file(root: Path, name: str, edit) -> Path:
    path = root / f"{name}.yaml"
    path.write_text(edit(GM.text), encoding="utf-8")
    return path


def _refusals(c) -> dict:
    root, shares, stores = c["root"], c["shares"], c["stores"]
    leeds_in = _agreement_file(root, "leeds-in", lambda t: t.replace("councils:\n", "councils:\n  - {code: E08000035, name: Leeds}\n"))
    narrow = _agreement_file(root, "narrow", lambda t: t.replace("{code: E08000001, name: Bolton}",
                                                       "{code: E08000001, name: Bolton, uses: [indicators]}"))
    bad_zip = root / "no-manifest.share"
    with zipfile.ZipFile(bad_zip, "w") as z:
        z.writestr("episodes.csv", "child\n1\n")
    return {
        "non-member": (lambda: share_store(stores["Leeds"], load_agreement(leeds_in), root / "leeds.share").path,
                       ("indicators",), "not a member council of Greater Manchester"),
        "use not covered": (lambda: share_store(stores["Bolton"], load_agreement(narrow), root / "narrow.share", c["key"]).path,
                            ("forecast",), "does not cover the use 'forecast'"),
        "truncated": (lambda: _write(root / "cut.share", Path(shares["Bolton"]).read_bytes()[:40_000]),
                      ("indicators",), "damaged or cut short"),
        "altered part": (lambda: _altered_part(shares["Bolton"], root / "altered.share"),
                         ("indicators",), "episodes.parquet does not match its checksum"),
        "altered manifest": (lambda: _altered_manifest(shares["Bolton"], root / "manifest.share"),
                             ("indicators",), "manifest does not match its checksum"),
        "not a share": (lambda: stores["Bolton"], ("indicators",), "is not a share"),
        "zip without manifest": (lambda: bad_zip, ("indicators",), "has no manifest.json"),
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _snapshot(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = sorted(r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall())
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


@pytest.mark.parametrize("case", ["non-member", "use not covered", "truncated", "altered part", "altered manifest",
                                  "not a share", "zip without manifest"])
def test_refused_with_a_sentence_and_nothing_imported(councils, tmp_path, case):
    make, uses, message = _refusals(councils)[case]
    bad = make()
    db = tmp_path / "region.duckdb"
    add_shares(db, [councils["shares"]["Bolton-early"]], uses=("indicators", "forecast"))
    before = _snapshot(db)
    with pytest.raises(SufficiencyError, match=message) as caught:
        add_shares(db, [councils["shares"]["Wigan"], bad], uses=uses)
    assert str(bad) in str(caught.value) and str(caught.value).endswith(".")
    assert _snapshot(db) == before  # not even the good share went in
    result = CliRunner().invoke(app, ["region", "add", str(councils["shares"]["Wigan"]), str(bad), "--db", str(db),
                                      *[a for u in uses for a in ("--use", u)]])
    assert result.exit_code == 2 and "Traceback" not in result.output and _snapshot(db) == before


def test_a_council_shares_only_for_a_region_it_belongs_to(councils, tmp_path):
    with pytest.raises(InputError, match="Leeds .* is not a member council of Greater Manchester"):
        share_store(councils["stores"]["Leeds"], GM, tmp_path / "leeds.share")
    assert not (tmp_path / "leeds.share").exists()


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("[child, sex, dob,", "[child, sex, dob, mother,"), "'mother', which is never shared"),
    (lambda t: t.replace("[child, sex, dob,", "[child, sex,"), "must list 'dob'"),
    (lambda t: t.replace("uses: [indicators, forecast, planning]", "uses: [indicators, gossip]"), "'gossip'"),
    (lambda t: t + "signed_by: nobody\n", "unknown key 'signed_by'"),
    (lambda t: t.replace("E08000001", "E99999999"), "E99999999"),
])
def test_agreement_is_checked(edit, message):
    with pytest.raises(SufficiencyError, match=message):
        parse_agreement(edit(GM.text), "gm.yaml")


def test_removal_leaves_no_row_of_the_council(councils, tmp_path):
    db = tmp_path / "region.duckdb"
    add_shares(db, [councils["shares"]["Bolton"], councils["shares"]["Wigan"]])
    code, name, gone = remove_council(db, "bolton")
    assert (code, name) == ("E08000001", "Bolton") and gone["episodes"] > 0
    con = duckdb.connect(str(db), read_only=True)
    for t in (*DATA_TABLES, "councils"):
        assert con.execute(f'SELECT count(*) FROM "{t}" WHERE council = ?', [code]).fetchone()[0] == 0
        assert con.execute(f'SELECT count(*) FROM "{t}" WHERE council <> ?', [code]).fetchone()[0] > 0
    con.close()
    assert read_log(db)["action"].tolist()[-1] == "remove"
    with pytest.raises(InputError, match="holds no share of 'Bolton'"):
        remove_council(db, "Bolton")


def test_regional_totals_equal_the_sum_of_councils(councils, tmp_path):
    db = tmp_path / "region.duckdb"
    add_shares(db, [councils["shares"]["Bolton"], councils["shares"]["Wigan"]])
    data = RegionData.read(db)
    frame = indicators(data)
    head = frame[(frame["dimension"] == "") & frame["indicator"].isin(COUNTS)]
    by = head.pivot_table(index=["indicator", "year"], columns="council", values="value", aggfunc="sum")
    assert len(by) == len(COUNTS) * 3 and by[REGION].sum() > 0
    assert (by[REGION] == by[data.codes].sum(axis=1)).all()
    cost = frame[(frame["indicator"] == "annual_cost") & (frame["dimension"] == "")]
    sums = cost.groupby(cost["council"] == REGION)["value"].sum()
    assert sums[True] == pytest.approx(sums[False])
    live = where(data, 2025)
    cla = by.loc[("cla_31_march", 2025)]
    assert by_council(live, data.codes).sum(axis=1).tolist() == [cla[c] for c in data.codes]
    assert flows(live, data.codes, [m.code for m in GM.councils]).to_numpy().sum() == cla[REGION]


def test_matrix_suppression_leaves_no_row_or_column_with_one_hidden_cell():
    counts = pd.DataFrame([[30, 2, 10, 0], [12, 25, 7, 6], [9, 8, 40, 3]])
    hidden = matrix_suppressed(counts)
    assert hidden.iloc[0, 1] and hidden.iloc[2, 3]
    for axis in (0, 1):
        assert (hidden.sum(axis=axis) != 1).all()
    assert not hidden[counts == 0].any().any()


def test_cli_share_add_report_remove(councils, tmp_path):
    runner, db, out = CliRunner(), tmp_path / "region.duckdb", tmp_path / "region.html"
    share = tmp_path / "wigan.share"
    r = runner.invoke(app, ["share", "--db", str(councils["stores"]["Wigan"]), "--region", "Greater Manchester",
                            "--out", str(share)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["region", "add", str(share), str(councils["shares"]["Bolton"]), "--db", str(db)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["region", "report", "--db", str(db), "--out", str(out)])
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert "Bolton" in html and "Wigan" in html and "Flows between councils" in html
    assert "<script" not in html and "http://" not in html.split("<footer>")[0].split("Definitions")[0]
    assert not _raw(councils["stores"]["Bolton"])["posts"] & set(html.split())
    r = runner.invoke(app, ["region", "remove", "Wigan", "--db", str(db)])
    assert r.exit_code == 0 and "Removed Wigan" in r.output
    for argv in (["share", "--db", str(councils["stores"]["Wigan"]), "--out", str(share)],
                 ["region", "report", "--db", str(tmp_path / "none.duckdb")]):
        r = runner.invoke(app, argv)
        assert r.exit_code == 2 and "Error:" in r.output


def test_commands_have_help():
    import typer.main

    region = typer.main.get_command(app).commands["region"]
    assert set(region.commands) == {"add", "remove", "report", "forecast", "compare"}
    for name, command in region.commands.items():
        assert command.help and all(getattr(p, "help", None) for p in command.params), name
    for argv in (["share", "--help"], ["region", "--help"], *[["region", n, "--help"] for n in region.commands]):
        r = CliRunner().invoke(app, argv)
        assert r.exit_code == 0 and len(r.output) > 200


def test_agreement_errors_name_the_file(tmp_path):
    with pytest.raises(SchemaError, match="No agreement is shipped for a region called 'Atlantis'"):
        load_agreement("Atlantis")
    bad = tmp_path / "a.yaml"
    bad.write_text("region: [\n")
    with pytest.raises(SchemaError, match=str(bad)):
        load_agreement(bad)


def test_reorder_keeps_each_council_and_gives_the_correlation_asked():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(5)
    keys = rng.gamma(3, size=(4000, 3))
    order = reorder(keys, 0.6, np.random.default_rng(1))
    for j in range(3):
        assert sorted(order[:, j]) == list(range(4000))  # every run of every council, once
    paired = np.take_along_axis(keys, order, axis=0)
    rho = spearmanr(paired).statistic[np.triu_indices(3, 1)]
    assert np.all(np.abs(rho - 0.6) < 0.05)
    assert np.all(np.abs(spearmanr(np.take_along_axis(keys, reorder(keys, 0.0, rng), axis=0)).statistic
                         [np.triu_indices(3, 1)]) < 0.05)


def _periods(shared: float, seed: int) -> RegionData:
    """Two councils' periods of care over five years whose monthly starts share a common part."""
    rng = np.random.default_rng(seed)
    months = pd.period_range("2020-04", "2025-03", freq="M")
    common = rng.poisson(20, len(months))
    rows = []
    for code in ("E08000001", "E08000010"):
        n = np.round(shared * common + (1 - shared) * rng.poisson(20, len(months))).astype(int)
        rows += [{"council": code, "start": m.to_timestamp() + pd.Timedelta(days=3)} for m, k in zip(months, n, strict=True)
                 for _ in range(k)]
    held = pd.DataFrame({"council": ["E08000001", "E08000010"], "name": ["Bolton", "Wigan"],
                         "years": [json.dumps([2021, 2022, 2023, 2024, 2025])] * 2})
    return RegionData(Path("region.duckdb"), GM, held, {"periods": pd.DataFrame(rows)})


def test_entry_correlation_is_measured_from_the_councils_monthly_starts():
    high, months = entry_correlation(_periods(0.9, 1))
    low, _ = entry_correlation(_periods(0.0, 1))
    assert months == 60 and high > 0.7 and abs(low) < 0.3


def test_regional_forecast_is_the_sum_of_councils_run_by_run(councils, tmp_path):
    db = tmp_path / "region.duckdb"
    add_shares(db, [councils["shares"]["Bolton"], councils["shares"]["Wigan"]])
    result = api.region_forecast(api.RegionForecastOptions(db=db, years=2, runs=40, seed=3))
    assert set(result.horizon["name"]) == {"Bolton", "Wigan", "Greater Manchester"}
    con = duckdb.connect(str(db), read_only=True)
    runs = con.execute("SELECT * FROM region_forecast_runs").df()
    con.close()
    for measure in ("children", "weekly_cost", "residential", "foster"):
        wide = runs.pivot_table(index=["run", "date"], columns="council", values=measure)
        assert np.allclose(wide[REGION], wide["E08000001"] + wide["E08000010"])
    assert (runs["residential"] + runs["foster"] <= runs["children"]).all() and runs["foster"].gt(0).any()
    assert runs["date"].nunique() == 3 and runs["run"].nunique() == 40
    add_shares(db, [councils["shares"]["Wigan"]])  # a new share: the forecast was made from others
    assert "region_forecast" not in _snapshot(db) and read_log(db)["action"].iloc[-1] == "results"


def test_the_forecast_needs_the_use_agreed_for_every_council(councils, tmp_path):
    narrow = _agreement_file(councils["root"], "wigan-narrow", lambda t: t.replace(
        "{code: E08000010, name: Wigan}", "{code: E08000010, name: Wigan, uses: [indicators]}"))
    agreement = load_agreement(narrow)
    share = share_store(councils["stores"]["Wigan"], agreement, tmp_path / "wigan.share").path
    db = tmp_path / "region.duckdb"
    add_shares(db, [councils["shares"]["Bolton"], share], agreement=agreement)
    with pytest.raises(InputError, match="does not cover the use 'forecast' for Wigan"):
        api.region_forecast(api.RegionForecastOptions(db=db, years=1, runs=5))
    assert "region_forecast" not in _snapshot(db)
