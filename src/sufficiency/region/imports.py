"""Taking shares into the regional store, and withdrawing a council from it.

    add_shares("region.duckdb", ["bolton.share", "wigan.share"], uses=("indicators",))
    remove_council("region.duckdb", "Bolton")

Every file is read and checked before anything is written: each must be a whole, unaltered share
(package.py), from a member council of the region's agreement, made under the agreement's
version, for uses that council signed up to, holding only fields the agreement lists. If any file
fails, the error names it and says why, and nothing from any of the files is imported. The
shares that pass go in in one transaction, each replacing its council's earlier rows, and each
import is logged.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError, StoreError
from .agreement import Agreement, needed, shipped_agreement
from .package import Share, ShareError, read_share
from .store import (
    connect,
    councils,
    drop_council,
    drop_results,
    log,
    record_council,
    replace_council,
    set_agreement,
    stored_agreement,
)


@dataclass
class Imported:
    council: str
    name: str
    file: Path
    rows: dict[str, int]
    replaced: bool  # an earlier share of the council was replaced
    key_changed: bool  # its pseudonyms match none of the earlier share's


def _agreement(con, given: Agreement | None, shares: list[Share]) -> Agreement:
    if given is not None:
        return given
    kept = stored_agreement(con)
    if kept is not None:
        return kept
    regions = {str(s.manifest["region"]) for s in shares}
    found = shipped_agreement(regions.pop()) if len(regions) == 1 else None
    if found is not None:
        return found
    raise InputError("The regional store has no agreement yet: give the region's agreement file (--agreement).")


def check(share: Share, agreement: Agreement, uses: tuple[str, ...]) -> None:
    """Refuse (ShareError) a share the agreement does not allow the region to import for `uses`."""
    m, name = share.manifest, f"{share.path} ({share.council_name})"
    if str(m["region"]).lower() != agreement.region.lower():
        raise ShareError(f"{name} was made for {m['region']}, not {agreement.region}; nothing was imported.")
    member = agreement.member(share.council)
    if member is None:
        raise ShareError(f"{name}: {share.council_name} ({share.council}) is not a member council of {agreement.region} "
                         f"under its agreement version {agreement.version}; nothing was imported.")
    version = m["agreement"].get("version")
    if version != agreement.version:
        raise ShareError(f"{name} was made under agreement version {version}, but the region's agreement is version "
                         f"{agreement.version}: ask {share.council_name} to share again; nothing was imported.")
    for use in uses:
        if use not in member.uses or use not in m["agreement"].get("uses", []):
            raise ShareError(f"{name}: the agreement (version {agreement.version}) does not cover the use {use!r} for "
                             f"{share.council_name} (it covers {', '.join(member.uses)}); nothing was imported.")
    for table, frame in share.tables.items():
        extra = [c for c in frame.columns if c not in agreement.fields.get(table, ())]
        if extra:
            raise ShareError(f"{name} holds {table}.{extra[0]}, which the agreement does not list; nothing was imported.")
    for table, cols in needed().items():
        lacking = [c for c in cols if c not in share.tables.get(table, pd.DataFrame()).columns]
        if lacking:
            raise ShareError(f"{name} lacks {table}.{lacking[0]}, which the region's analysis needs; nothing was imported.")


def add_shares(db: str | Path, files: list[str | Path], *, agreement: Agreement | None = None,
               uses: tuple[str, ...] = ("indicators",)) -> list[Imported]:
    """Import the shares `files` into the regional store `db` (made if absent), all or none."""
    if not files:
        raise InputError("Give at least one share file to import.")
    shares = [read_share(f) for f in files]
    seen: dict[str, Path] = {}
    for s in shares:
        if s.council in seen:
            raise ShareError(f"{seen[s.council]} and {s.path} are both shares of {s.council_name}: give one; "
                             "nothing was imported.")
        seen[s.council] = s.path
    con = connect(db)
    try:
        agreed = _agreement(con, agreement, shares)
        for s in shares:
            check(s, agreed, uses)
        before = councils(con).set_index("council")
        con.execute("BEGIN TRANSACTION")
        set_agreement(con, agreed)
        done = [_import(con, s, agreed, before) for s in shares]
        if drop_results(con):
            log(con, "results", detail="the regional forecast was dropped: it was made from other shares")
        con.execute("COMMIT")
    finally:
        con.close()
    return done


def _import(con, share: Share, agreement: Agreement, before: pd.DataFrame) -> Imported:
    m = share.manifest
    replace_council(con, share.council, share.tables)
    now = dt.date.today()
    keep = (pd.Timestamp(now) + pd.DateOffset(months=agreement.retention_months)).date().isoformat()
    replaced = share.council in before.index
    key_changed = replaced and before.loc[share.council, "key_check"] != m["key_check"]
    children = share.tables.get("children", pd.DataFrame())
    record_council(con, {"council": share.council, "name": share.council_name, "share": share.sha256,
                         "agreement_version": m["agreement"]["version"], "uses": ",".join(m["agreement"]["uses"]),
                         "years": json.dumps(m.get("years", [])), "made_at": m.get("made_at", ""),
                         "imported_at": dt.datetime.now().isoformat(timespec="seconds"), "keep_until": keep,
                         "key_check": m["key_check"], "children": len(children)})
    detail = (f"{len(children):,} children, years {', '.join(map(str, m.get('years', [])))}"
              + ("; replaced the earlier share" if replaced else "")
              + ("; the council's key changed, so its children are not linked to the earlier share" if key_changed else ""))
    log(con, "import", share.council, share.council_name, str(share.path), share.sha256, detail)
    return Imported(share.council, share.council_name, share.path, {t: len(f) for t, f in share.tables.items()},
                    bool(replaced), bool(key_changed))


def remove_council(db: str | Path, council: str) -> tuple[str, str, dict[str, int]]:
    """Delete every row of `council` (name or ONS code) from the regional store, and log it;
    (code, name, rows deleted by table)."""
    if not Path(db).exists():
        raise StoreError(f"{db} does not exist: there is nothing to remove.")
    con = connect(db)
    try:
        held = councils(con)
        key = council.strip().lower()
        row = held[(held["council"].str.lower() == key) | (held["name"].str.lower() == key)]
        if row.empty:
            names = ", ".join(held["name"]) or "none"
            raise InputError(f"{db} holds no share of {council!r} (councils there: {names}).")
        code, name = str(row["council"].iloc[0]), str(row["name"].iloc[0])
        con.execute("BEGIN TRANSACTION")
        gone = drop_council(con, code)
        log(con, "remove", code, name, detail=f"{sum(gone.values()):,} rows deleted")
        if drop_results(con):
            log(con, "results", detail="the regional forecast was dropped: it was made from other shares")
        con.execute("COMMIT")
    finally:
        con.close()
    return code, name, gone
