"""Regional indicators: the council's own indicator code run on each council's share and on the
region as one, and where the region's children live.

    data = RegionData.read("region.duckdb")
    data.council("E08000001")     # a StoreData of one council's share
    data.region()                 # a StoreData of every council's share as one council
    frame = indicators(data)      # council (ONS code or 'region'), then the indicator columns

The region counts each council's children as the council does (its child pseudonym prefixed by
the council's code, so two councils' children never merge). For the region, a placement is
"inside" when it is in any member council of the agreement, so the region's `pct_outside_la` is
the share of its children placed outside the region. The child population is the sum of the
member councils' DfE figures, where every council imported has one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from ..indicators import compute_all
from ..parameters import Parameters
from ..reference.authorities import authorities
from ..store import StoreData
from .agreement import Agreement
from .store import DATA_TABLES, connect, councils, stored_agreement, tables

REGION = "region"


def _store_data(frames: dict[str, pd.DataFrame], meta: dict, parameters: Parameters | None = None) -> StoreData:
    """A StoreData of `frames`, through an in-memory DuckDB (the reader every stage uses)."""
    mem = duckdb.connect()
    try:
        for name, frame in frames.items():
            mem.register("_frame", frame)
            mem.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _frame')
            mem.unregister("_frame")
        mem.execute("CREATE TABLE meta (key VARCHAR, value VARCHAR)")
        mem.executemany("INSERT INTO meta VALUES (?, ?)", [[k, json.dumps(v)] for k, v in meta.items()])
        return StoreData.read(mem, parameters=parameters)
    finally:
        mem.close()


@dataclass
class RegionData:
    """The shares held in a regional store, read once."""

    path: Path
    agreement: Agreement
    councils: pd.DataFrame  # the store's councils table
    frames: dict[str, pd.DataFrame]  # each data table, with its council column

    @classmethod
    def read(cls, db: str | Path) -> RegionData:
        con = connect(db, read_only=True)
        try:
            held = councils(con)
            agreement = stored_agreement(con)
            names = tables(con)
            frames = {t: con.execute(f'SELECT * FROM "{t}"').df() for t in DATA_TABLES if t in names}
        finally:
            con.close()
        if agreement is None or held.empty:
            from ..errors import StoreError

            raise StoreError(f"{db} holds no shares: import some with `sufficiency region add *.share --db {db}`.")
        return cls(Path(db), agreement, held, frames)

    def require(self, use: str) -> None:
        """Refuse (InputError) a use the agreement does not cover for every council held."""
        from ..errors import InputError

        lacking = [r.name for r in self.councils.itertuples() if use not in str(r.uses).split(",")]
        if lacking:
            raise InputError(f"The agreement does not cover the use {use!r} for {', '.join(lacking)}: remove "
                             f"{'it' if len(lacking) == 1 else 'them'} from {self.path} (`sufficiency region remove`) "
                             "or agree the use with the council first.")

    @property
    def codes(self) -> list[str]:
        return list(self.councils["council"])

    def name(self, code: str) -> str:
        if code == REGION:
            return self.agreement.region
        hit = self.councils.loc[self.councils["council"] == code, "name"]
        return str(hit.iloc[0]) if len(hit) else (authorities()[code].name if code in authorities() else code)

    def years(self, code: str | None = None) -> list[int]:
        rows = self.councils if code is None else self.councils[self.councils["council"] == code]
        return sorted({int(y) for v in rows["years"] for y in json.loads(v)})

    def council(self, code: str, parameters: Parameters | None = None) -> StoreData:
        """The council's share as a council's store, read with `parameters` (default: the shipped ones)."""
        frames = {t: f.loc[f["council"] == code].drop(columns="council").reset_index(drop=True)
                  for t, f in self.frames.items()}
        return _store_data(frames, {"la_code": code, "years": self.years(code)}, parameters)

    def region(self) -> StoreData:
        members = {m.code for m in self.agreement.councils}
        frames = {}
        for t, f in self.frames.items():
            f = f.assign(child=f["council"] + ":" + f["child"].astype(str))
            if "placed_inside_la" in f.columns:
                inside = f["pl_council"].isin(members).astype("boolean")
                f["placed_inside_la"] = inside.where(f["pl_council"].notna())
            frames[t] = f.drop(columns="council")
        return _store_data(frames, {"la_code": None, "years": self.years()})

    def child_population(self) -> dict[int, int]:
        """{year: children under 18 in the councils imported} where every one has a DfE figure."""
        out = {}
        for y in self.years():
            figures = [authorities()[c].fact("child_population", y) if c in authorities() else None for c in self.codes]
            if all(figures):
                out[y] = int(sum(figures))
        return out


def indicators(data: RegionData) -> pd.DataFrame:
    """Every indicator of every council and of the region, for every year: the indicator frame
    of `compute_all` with a first column `council` (ONS code, or 'region')."""
    parts = []
    for code in data.codes:
        parts.append(compute_all(data.council(code), years=data.years()).frame.assign(council=code))
    parts.append(compute_all(data.region(), years=data.years(), child_population=data.child_population() or None)
                 .frame.assign(council=REGION))
    frame = pd.concat(parts, ignore_index=True)
    return frame[["council", *[c for c in frame.columns if c != "council"]]]
