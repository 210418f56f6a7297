"""Run the DfE's SSDA903 validation rules (csc-validator-be-903 0.1.17) on our generated returns.

A development check, not part of the test suite. It runs in its own venv, because the
validator pins pandas<2 and numpy<2:

    python3 -m venv bench/.peers-venv
    bench/.peers-venv/bin/pip install 'pandas<2' 'numpy<2' csc-validator-be-903==0.1.17
    bench/.peers-venv/bin/python bench/peers/dfe_rules_check.py RETURNS \
        [--years 2024 2025] [--la E08000035]

By default every rule reads its own copy of the tables (see `_pristine_copies`); with
--as-shipped the rules run exactly as the package runs them.

RETURNS holds one folder per collection year named by the 31 March it ends on (as
`sufficiency synth` writes them). For each YEAR the validator gets YEAR's files as "This year"
and YEAR-1's as "Prev year", the collection year as it expects it ("2025" for 2024/25: it
derives 01/04/2024-31/03/2025 from it) and the council's ONS code. It prints every rule that
flags rows, with the number of rows per table, and every rule that crashed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
import time
from pathlib import Path

logging.disable(logging.CRITICAL)

from lac_validator import lac_validator  # noqa: E402

# our file names -> the validator's (it recognises CSVs by name, then by columns)
PEER_NAMES = {"placed_adoption": "placed_for_adoption", "prev_perm": "previous_permanence"}


def _pristine_copies() -> None:
    """Give every rule its own deep copy of the tables.

    As shipped, each rule gets a shallow copy, and some rules write into it (rule 365 sets
    every blank DEC to the collection end with `.loc`), so every later rule sees no open
    episode and the results depend on the order the rules run in."""

    def deep(data_store):
        return {k: v.copy(deep=True) if k != "metadata" else v for k, v in data_store.items()}

    lac_validator.copy_datastore = deep


def check(folder: Path, year: int, la: str) -> dict:
    """Failing rows per (rule, table) for the return of `year`, plus crashed rules."""
    files = []
    for y, description in ((year, "This year"), (year - 1, "Prev year")):
        for f in sorted((folder / str(y)).glob("*.csv")):
            name = PEER_NAMES.get(f.stem, f.stem) + ".csv"
            files.append({"name": name, "file_content": f.read_bytes(), "description": description})
    ruleset = f"lac{year - 1}_{str(year)[-2:]}"
    registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
    start = time.perf_counter()
    stdout = sys.stdout
    try:  # two 2024/25 rules print whole frames; keep the report readable
        sys.stdout = open("/dev/null", "w")  # noqa: SIM115
        v = lac_validator.LacValidator(
            metadata={"collectionYear": str(year), "localAuthority": la},
            files=files,
            registry=registry,
        )
    finally:
        sys.stdout.close()
        sys.stdout = stdout
    seconds = time.perf_counter() - start
    failing: dict[str, dict[str, int]] = {}
    rows = {}
    for table, df in v.ds_results.items():
        if not hasattr(df, "columns"):
            continue
        rows[table] = len(df)
        for col in df.columns:
            if str(col).startswith("ERR_"):
                n = int(df[col].fillna(False).astype(bool).sum())
                if n:
                    failing.setdefault(col[4:], {})[table] = n
    return {
        "year": year,
        "ruleset": ruleset,
        "rules": len(registry),
        "seconds": round(seconds, 1),
        "rows": rows,
        "failing": failing,
        "crashed": sorted(map(str, v.fails)),
        "messages": {code: registry[code].message for code in failing},
        "evidence": evidence(v, year),
    }


def evidence(v, year: int) -> dict[str, str]:
    """For rules known to misfire, how many of their flagged rows show the fault (see
    docs/background/synthetic-councils.md): a claim about the rule, checked row by row."""
    import pandas as pd
    from lac_validator.datastore import la_df, postcodes

    r, out = v.ds_results, {}

    def flagged(table: str, code: str):
        df = r.get(table)
        col = f"ERR_{code}"
        if df is None or col not in df.columns:
            return None
        return df[df[col].fillna(False).astype(bool)]

    end = pd.Timestamp(year, 3, 31)
    eps, last = v.dfs.get("Episodes"), v.dfs.get("Episodes_last")
    f = flagged("Episodes", "146")
    if f is not None:
        out["146"] = f"{int((f['PLACE'] == 'K3').sum())} of {len(f)} flagged rows have PLACE K3"
    f = flagged("Header", "202")
    if f is not None and "Header_last" in v.dfs:
        before = v.dfs["Header_last"].drop_duplicates("CHILD").set_index("CHILD")["SEX"]
        pair = f["SEX"].astype(str) + "/" + f["CHILD"].map(before).astype(str)
        recoded = pair.isin(["M/1", "F/2"]).sum()
        out["202"] = (
            f"{int(recoded)} of {len(f)} flagged children are M now and 1 last year, or F and 2"
        )
    f = flagged("Episodes", "169")
    if f is not None:
        pcs = postcodes.dataframe.set_index("pcd_abbr")["laua"]
        laua = f["PL_POST"].str.replace(" ", "").map(pcs)
        unknown = ~laua.isin(la_df["LTLA21CD"]) & laua.notna()
        codes = ", ".join(sorted(set(laua[unknown])))
        out["169"] = (
            f"{int(unknown.sum())} of {len(f)} flagged placement postcodes are in the "
            "validator's own "
            f"postcode list, in districts missing from its 2021 authority table ({codes})"
        )
    for code in ("1001", "1002"):
        f = flagged("OC3", code)
        if f is None or eps is None:
            continue
        both = pd.concat([eps, last]) if last is not None else eps
        both = both.assign(_d=pd.to_datetime(both["DECOM"], format="%d/%m/%Y", errors="coerce"))
        first = both.sort_values("_d").drop_duplicates("CHILD").set_index("CHILD")["RNE"]
        dob = pd.to_datetime(f["DOB"], format="%d/%m/%Y", errors="coerce")
        unseen = ~f["CHILD"].isin(first.index)
        over20 = (dob + pd.DateOffset(years=20) <= end) & ~unseen
        earlier = (f["CHILD"].map(first) != "S") & ~unseen & ~over20
        out[code] = (
            f"{int((unseen | over20 | earlier).sum())} of {len(f)} flagged care leavers have no "
            f"episode in the two returns the rule reads ({int(unseen.sum())}), are 20+ on 31 "
            f"March, whom the rule drops from its sums ({int(over20.sum())}), or entered care "
            f"before those returns so their earlier care is not counted ({int(earlier.sum())})"
        )
    f = flagged("Header", "624")
    if f is not None and eps is not None and "OC3" in v.dfs:
        leaver_only = ~f["CHILD"].isin(eps["CHILD"]) & f["CHILD"].isin(v.dfs["OC3"]["CHILD"])
        out["624"] = (
            f"{int(leaver_only.sum())} of {len(f)} flagged are mothers last year who are care "
            "leavers with no episode this year: 628 wants their MOTHER blank, 612 then wants "
            "MC_DOB blank, 624 wants last year's MC_DOB repeated"
        )
    f = flagged("Episodes", "SW12STG2")
    if f is not None and "SWEpisodes" in v.dfs:
        sw = v.dfs["SWEpisodes"].assign(
            _d=pd.to_datetime(v.dfs["SWEpisodes"]["SW_DECOM"], format="%d/%m/%Y")
        )
        first_sw = sw.groupby("CHILD")["_d"].min()
        start = pd.to_datetime(f["DECOM"], format="%d/%m/%Y", errors="coerce")
        last_sw = sw.groupby("CHILD")["_d"].max()
        ceased = pd.to_datetime(f["DEC"], format="%d/%m/%Y", errors="coerce")
        open_not_s = f["DEC"].isna() & (f["RNE"] != "S")
        before = (f["RNE"] == "S") & (f["CHILD"].map(first_sw) < start)
        after = (f["RNE"] != "S") & (f["CHILD"].map(last_sw) > ceased)
        out["SW12STG2"] = (
            f"{int(open_not_s.sum())} of {len(f)} flagged episodes are open (blank DEC and REC) "
            f"with RNE not S; {int(before.sum())} start care (RNE S) with a social worker "
            f"allocated before that day; {int(after.sum())} end care with a later social worker "
            "episode (the child came back into care)"
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--years", type=int, nargs="+", default=[2024, 2025])
    ap.add_argument("--la", default="E08000035", help="ONS code of the council (Leeds by default)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument(
        "--as-shipped",
        action="store_true",
        help="let rules share (and alter) one copy of the tables, as the package does",
    )
    args = ap.parse_args()
    if not args.as_shipped:
        _pristine_copies()
    results = []
    for year in args.years:
        r = check(args.folder, year, args.la)
        results.append(r)
        total = sum(sum(t.values()) for t in r["failing"].values())
        print(
            f"{r['ruleset']}: {r['rules']} rules in {r['seconds']} s on "
            f"{r['rows'].get('Episodes', 0)} "
            f"episodes; {len(r['failing'])} rules flag {total} rows; {len(r['crashed'])} crashed"
        )
        for code in sorted(r["failing"], key=lambda c: (-sum(r["failing"][c].values()), c)):
            tables = ", ".join(f"{t} {n}" for t, n in sorted(r["failing"][code].items()))
            print(f"  {code:<10} {tables:<34} {r['messages'][code][:90]}")
        if r["crashed"]:
            print("  crashed: " + " ".join(r["crashed"]))
        for code, text in r["evidence"].items():
            print(f"  evidence {code}: {text}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
