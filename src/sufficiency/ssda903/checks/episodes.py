"""Checks on episodes of care: their dates against each other, the collection year, the next
episode of the same child, and the child's date of birth in the Header.

"The next episode" is taken within one return (one collection year): episodes of a child
sorted by DECOM, exact duplicate rows and second episodes with the same start left out.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from .context import Context, age_in_years, cat, day_numbers, equals, fmt, isin, labels, pack

T = "episodes"
# Placements that take no PLACE_PROVIDER: temporary moves and "other" (DfE 903 guide,
# PLACE_PROVIDER: "not required for T0-T4 and Z1"; Z11-Z14 replace Z1 from 2025/26).
NO_PROVIDER = frozenset({"T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"})


def episode_checks(ctx: Context) -> Iterator[pd.DataFrame]:
    if T not in ctx.frames:
        return
    e = _Episodes(ctx)
    yield from e.dates()
    yield from e.duplicates()
    yield from e.sequence()
    yield from e.provider()
    yield from e.age()
    yield from e.first_episode()


class _Episodes:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        f = ctx.frames[T]
        self.decom, self.dec = ctx.date(T, "DECOM"), ctx.date(T, "DEC")
        self.child, self.year = ctx.child[T], ctx.year(T)
        self.has_dec = f["DEC"].notna().to_numpy()
        self.has_rec = f["REC"].notna().to_numpy()
        self.usable = ~np.isnat(self.decom) & (self.child >= 0)
        self.exact_dup = np.zeros(len(f), bool)
        self.exact_dup[ctx.duplicates(T)[0]] = True
        self.same_start = np.zeros(len(f), bool)  # filled by duplicates()

    def who(self, rows) -> pd.Series:
        return self.ctx.child_text(T, rows)

    def emit(self, code, rows, column, value, message) -> pd.DataFrame:
        return self.ctx.emit(code, T, rows, column, value, message)

    def raw(self, column, rows) -> pd.Series:
        return self.ctx.text(T, column, rows)

    # ------------------------------------------------------------ one episode's dates

    def dates(self) -> Iterator[pd.DataFrame]:
        decom, dec = self.decom, self.dec
        rows = np.flatnonzero(dec < decom)
        yield self.emit("DEC_BEFORE_DECOM", rows, "DEC", self.raw("DEC", rows),
                        cat("DEC ", fmt(dec[rows]), " is before DECOM ", fmt(decom[rows]),
                            " for child ", self.who(rows), "."))

        rows = np.flatnonzero(self.has_dec & ~self.has_rec)
        yield self.emit("DEC_REC_MISMATCH", rows, "REC", None,
                        cat("DEC ", self.raw("DEC", rows), " is given but REC is blank for child ",
                            self.who(rows), ": an episode that ended needs the reason it ended."))
        rows = np.flatnonzero(~self.has_dec & self.has_rec)
        yield self.emit("DEC_REC_MISMATCH", rows, "DEC", None,
                        cat("REC '", self.raw("REC", rows), "' is given but DEC is blank for child ",
                            self.who(rows), ": give the date the episode ended, or clear REC if "
                            "it is still open."))

        end, start = self.ctx.year_end(T), self.ctx.year_start(T)
        for col, when in (("DECOM", decom), ("DEC", dec)):
            rows = np.flatnonzero(when > end)
            extra = "" if col == "DECOM" else "; an episode still open on 31 March has no DEC"
            yield self.emit("DATE_AFTER_YEAR", rows, col, self.raw(col, rows),
                            cat(f"{col} ", fmt(when[rows]), " is after ", fmt(end[rows]),
                                ", the end of the ", labels(self.year[rows]), " collection year, "
                                "for child ", self.who(rows), extra, "."))
        rows = np.flatnonzero(dec < start)
        yield self.emit("EPISODE_BEFORE_YEAR", rows, "DEC", self.raw("DEC", rows),
                        cat("the episode from ", fmt(decom[rows]), " ended on ", fmt(dec[rows]),
                            ", before the ", labels(self.year[rows]), " collection year began on ",
                            fmt(start[rows]), ", for child ", self.who(rows),
                            "; it belongs in an earlier return."))

    # ------------------------------------------------------------ two episodes, same start

    def duplicates(self) -> Iterator[pd.DataFrame]:
        idx = np.flatnonzero(self.usable & ~self.exact_dup)
        key = pack(self.child[idx], self.year[idx], day_numbers(self.decom[idx]))
        codes, _ = pd.factorize(key)
        first = idx[np.unique(codes, return_index=True)[1]][codes]  # first row of each key
        rows = idx[first != idx]
        self.same_start[rows] = True
        f = self.ctx.frames[T]
        where = cat(f["_file"].to_numpy(object)[first[first != idx]], " row ",
                    f["_row"].to_numpy()[first[first != idx]].astype(str))
        yield self.emit("EPISODE_DUPLICATE", rows, "DECOM", self.raw("DECOM", rows),
                        cat("child ", self.who(rows), " has a second episode starting ",
                            fmt(self.decom[rows]), " in the ", labels(self.year[rows]),
                            " return (the first is ", where, ")."))

    # ------------------------------------------------------------ episode and the next

    def sequence(self) -> Iterator[pd.DataFrame]:
        idx = np.flatnonzero(self.usable & ~self.exact_dup & ~self.same_start)
        start = self.decom.view(np.int64)
        order = idx[np.lexsort((self.ctx.frames[T]["_row"].to_numpy()[idx], start[idx],
                                self.child[idx], self.year[idx]))]
        cur, nxt = order[:-1], order[1:]
        same = (self.child[cur] == self.child[nxt]) & (self.year[cur] == self.year[nxt])

        hit = same & (self.dec[cur] > self.decom[nxt])
        rows, after = cur[hit], nxt[hit]
        yield self.emit("EPISODE_OVERLAP", rows, "DEC", self.raw("DEC", rows),
                        cat("the episode from ", fmt(self.decom[rows]), " ends on ",
                            fmt(self.dec[rows]), ", after the next episode starts on ",
                            fmt(self.decom[after]), ", for child ", self.who(rows), "."))

        hit = same & ~self.has_dec[cur]
        rows, after = cur[hit], nxt[hit]
        yield self.emit("OPEN_NOT_LAST", rows, "DEC", None,
                        cat("the episode from ", fmt(self.decom[rows]), " has no DEC but the next "
                            "episode starts on ", fmt(self.decom[after]), ", for child ",
                            self.who(rows), "; give its end date and REC (X1 if the next "
                            "starts that day)."))

        x1 = np.flatnonzero(equals(self.ctx.codes(T, "REC"), "X1") & ~np.isnat(self.dec)
                            & (self.child >= 0))
        starts = pack(self.child[idx], self.year[idx], day_numbers(self.decom[idx]))
        ends = pack(self.child[x1], self.year[x1], day_numbers(self.dec[x1]))
        rows = x1[~pd.Series(ends).isin(starts).to_numpy(bool)]
        yield self.emit("X1_NO_NEXT_EPISODE", rows, "REC", self.raw("REC", rows),
                        cat("REC X1 says a new episode starts on ", fmt(self.dec[rows]),
                            " but no episode of child ", self.who(rows), " starts that day in the ",
                            labels(self.year[rows]), " return."))

    # ------------------------------------------------------------ placement provider

    def provider(self) -> Iterator[pd.DataFrame]:
        place, prov = self.ctx.codes(T, "PLACE"), self.ctx.codes(T, "PLACE_PROVIDER")
        has_prov = prov.notna().to_numpy()
        rows = np.flatnonzero(place.notna().to_numpy() & ~isin(place, NO_PROVIDER) & ~has_prov)
        yield self.emit("PROVIDER_MISSING", rows, "PLACE_PROVIDER", None,
                        cat("PLACE_PROVIDER is blank for placement ", self.raw("PLACE", rows),
                            ", for child ", self.who(rows), "; give PR0-PR5."))
        rows = np.flatnonzero(equals(place, "P1") & has_prov & ~equals(prov, "PR0"))
        yield self.emit("PROVIDER_NOT_PR0", rows, "PLACE_PROVIDER", self.raw("PLACE_PROVIDER", rows),
                        cat("PLACE_PROVIDER '", self.raw("PLACE_PROVIDER", rows), "' is given for "
                            "placement P1 (with parents), for child ", self.who(rows),
                            "; P1 takes PR0 (parents)."))

    # ------------------------------------------------------------ date of birth

    def age(self) -> Iterator[pd.DataFrame]:
        if "header" not in self.ctx.frames:
            return
        hkey, hdob = self.ctx.key("header"), self.ctx.date("header", "DOB")
        ok = (hkey >= 0) & ~np.isnat(hdob)
        keys, first = np.unique(hkey[ok], return_index=True)
        if not len(keys):
            return
        where = pd.Index(keys).get_indexer(self.ctx.key(T))
        dob = np.where(where >= 0, hdob[ok][first][np.maximum(where, 0)], np.datetime64("NaT"))
        dob = dob.astype("datetime64[ns]")

        rows = np.flatnonzero(dob > self.decom)
        yield self.emit("DOB_AFTER_DECOM", rows, "DECOM", self.raw("DECOM", rows),
                        cat("DECOM ", fmt(self.decom[rows]), " is before the date of birth ",
                            fmt(dob[rows]), " in the Header, for child ", self.who(rows), "."))
        years = age_in_years(dob, self.decom)
        rows = np.flatnonzero(years >= 18)
        yield self.emit("AGE_18_AT_DECOM", rows, "DECOM", self.raw("DECOM", rows),
                        cat("child ", self.who(rows), " was ", years[rows].astype(int).astype(str),
                            " on DECOM ", fmt(self.decom[rows]), " (born ", fmt(dob[rows]),
                            "); a young person of 18 or over is not looked after."))

    # ------------------------------------------------------------ first episode: RNE S

    def first_episode(self) -> Iterator[pd.DataFrame]:
        idx = np.flatnonzero(self.usable & ~self.exact_dup & ~self.same_start)
        if not len(idx):
            return
        start = self.decom.view(np.int64)[idx]
        earliest = pd.Series(start).groupby(self.child[idx]).transform("min").to_numpy()
        # an episode that began before the first loaded return may follow one in an earlier,
        # unloaded return: not flagged
        loaded_from = self.ctx.year_start(T)[np.argmin(self.year)].view(np.int64)
        rne = self.ctx.codes(T, "RNE")
        first = idx[(start == earliest) & (start >= loaded_from)]
        rows = first[rne.iloc[first].notna().to_numpy() & ~equals(rne.iloc[first], "S")]
        yield self.emit("FIRST_EPISODE_NOT_S", rows, "RNE", self.raw("RNE", rows),
                        cat("the first episode of child ", self.who(rows), " starts on ",
                            fmt(self.decom[rows]), " with RNE '", self.raw("RNE", rows),
                            "', but no earlier episode is in any return loaded; a child's first "
                            "episode has RNE S (started to be looked after)."))
