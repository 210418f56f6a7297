"""A council's share: the fields its region's agreement lists, pseudonymised, in one file.

    share_store("la.duckdb", agreement, "bolton.share")      # key kept beside the store

Each field is treated as `shareable.yaml` says before it leaves the store: child identifiers
become keyed pseudonyms (key.py), dates of birth the first day of their month, postcodes their
district. Distance from home, whether the placement is inside the council and the placement's
council were worked out from the full postcodes when the returns were loaded, and travel as
they are. Nothing else leaves: the mother's fields, UPN, social workers, file names, the
cleaning log and validation issues are not in any share.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import __version__
from ..errors import InputError, StoreError
from ..reference.authorities import authorities
from ..store import Store
from .agreement import Agreement, shareable
from .key import council_key, key_check, key_path, pseudonyms
from .package import write_share


@dataclass
class ShareWritten:
    path: Path
    council: str  # ONS code
    council_name: str
    key: Path  # the key file used (never in the share)
    key_created: bool
    rows: dict[str, int]


def month(values: pd.Series) -> pd.Series:
    """Dates cut to the first day of their month (blanks stay blank)."""
    d = pd.to_datetime(values, errors="coerce")
    return d.dt.to_period("M").dt.to_timestamp().astype(d.dtype)


def district(values: pd.Series) -> pd.Series:
    """Postcodes cut to their outward code (BL3 2WT -> BL3); something already as short as a
    district stays as it is, blanks stay blank."""
    out = pd.Series(None, index=values.index, dtype=object)
    squeezed = values.dropna().astype(str).str.upper().str.replace(r"\s+", "", regex=True)
    out.loc[squeezed.index] = squeezed.where(squeezed.str.len() < 5, squeezed.str[:-3]).astype(object)
    return out.where(out != "")


def treat(frame: pd.DataFrame, table: str, key: bytes) -> pd.DataFrame:
    """The columns of `frame` as `shareable.yaml` treats them."""
    how = shareable()[table]
    out = {}
    for col in frame.columns:
        kind = how[col]
        v = frame[col]
        out[col] = (pseudonyms(v, key) if kind == "pseudonym" else month(v) if kind == "month"
                    else district(v) if kind == "district" else v)
    return pd.DataFrame(out, index=frame.index).reset_index(drop=True)


def share_store(db: str | Path, agreement: Agreement, out: str | Path, key_file: str | Path | None = None) -> ShareWritten:
    """Write the share of the store `db` under `agreement` to `out`. The key is read from
    `key_file` (default: beside the store, made on the first share)."""
    kpath = Path(key_file) if key_file else key_path(db)
    with Store(db) as store:
        meta = store.meta()
        code = meta.get("la_code")
        la = authorities().get(code or "")
        if la is None:
            raise StoreError(f"{db} does not say which council it holds (load the returns with --la).")
        member = agreement.member(la.code)
        if member is None:
            raise InputError(f"{la.name} ({la.code}) is not a member council of {agreement.region} in the "
                             f"agreement {agreement.source}; a share is made only for a region the council belongs to.")
        tables = {}
        for table, fields in agreement.fields.items():
            if table not in store.names:
                raise StoreError(f"{db} has no {table} table: load the returns again with this version of sufficiency.")
            have = set(store.sql(f'SELECT * FROM "{table}" LIMIT 0').columns)
            lacking = [f for f in fields if f not in have]
            if lacking:
                raise StoreError(f"{db}: the {table} table has no {lacking[0]} field: load the returns again.")
            tables[table] = store.sql(f'SELECT {", ".join(chr(34) + f + chr(34) for f in fields)} FROM "{table}"')
    created = not kpath.exists()
    key = council_key(kpath, create=key_file is None)
    shared = {t: treat(frame, t, key) for t, frame in tables.items()}
    manifest = {
        "council": {"code": la.code, "name": la.name},
        "region": agreement.region,
        "agreement": {"version": agreement.version, "uses": list(member.uses)},
        "years": [int(y) for y in meta.get("years") or []],
        "made_at": dt.datetime.now().isoformat(timespec="seconds"),
        "sufficiency": __version__,
        "key_check": key_check(key),
    }
    path = write_share(out, shared, manifest)
    return ShareWritten(path, la.code, la.name, kpath, created and key_file is None,
                        {t: len(f) for t, f in shared.items()})
