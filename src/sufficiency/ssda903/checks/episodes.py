"""Checks on episodes of care: their dates against each other and the collection year, the next
episode of the same child, the placement provider, the child's age from the Header, and the
reason for the child's first episode.

"The next episode" is taken within one return (one collection year): the child's episodes
sorted by DECOM, leaving out exact duplicate rows and second episodes with the same start.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

from ..report import Issues
from .context import Context, age_in_years, equals, fmt, isin, labels, pack

T = "episodes"
# Placements that take no PLACE_PROVIDER: temporary moves and "other" (DfE 903 guide,
# PLACE_PROVIDER: not required for T0-T4 and Z1; Z11-Z14 replace Z1 from 2025/26).
NO_PROVIDER = frozenset({"T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14"})


def episode_checks(ctx: Context) -> Iterator[Issues]:
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
        self.child, self.year, self.key = ctx.child[T], ctx.year(T), ctx.key(T)
        self.has_dec = f["DEC"].notna().to_numpy()
        self.has_rec = f["REC"].notna().to_numpy()
        self.usable = ~np.isnat(self.decom) & (self.child >= 0)
        self.exact_dup = np.zeros(len(f), bool)
        self.exact_dup[ctx.duplicates(T)[0]] = True
        self.same_start = np.zeros(len(f), bool)  # filled by duplicates()

    def issue(self, code, rows, column, template, value=True, **fields) -> Issues:
        return self.ctx.issue(code, T, rows, column, template, value=value, **fields)

    # ------------------------------------------------------------ one episode's dates

    def dates(self) -> Iterator[Issues]:
        decom, dec, year = self.decom, self.dec, self.year
        rows = np.flatnonzero(dec < decom)
        yield self.issue("DEC_BEFORE_DECOM", rows, "DEC",
                         "DEC {dec} is before DECOM {decom} for child {child}.",
                         dec=fmt(dec[rows]), decom=fmt(decom[rows]))

        rows = np.flatnonzero(self.has_dec & ~self.has_rec)
        yield self.issue("DEC_REC_MISMATCH", rows, "REC",
                         "DEC {dec} is given but REC is blank for child {child}: an episode that "
                         "ended needs the reason it ended.",
                         value=False, dec=self.ctx.text(T, "DEC", rows))
        rows = np.flatnonzero(~self.has_dec & self.has_rec)
        yield self.issue("DEC_REC_MISMATCH", rows, "DEC",
                         "REC '{rec}' is given but DEC is blank for child {child}: give the date "
                         "the episode ended, or clear REC if it is still open.",
                         value=False, rec=self.ctx.text(T, "REC", rows))

        end, start = self.ctx.year_end(T), self.ctx.year_start(T)
        for col, when, extra in (("DECOM", decom, ""),
                                 ("DEC", dec, "; an episode still open on 31 March has no DEC")):
            rows = np.flatnonzero(when > end)
            yield self.issue("DATE_AFTER_YEAR", rows, col,
                             f"{col} {{when}} is after {{end}}, the end of the {{year}} collection "
                             f"year, for child {{child}}{extra}.",
                             when=fmt(when[rows]), end=fmt(end[rows]), year=labels(year[rows]))
        rows = np.flatnonzero(dec < start)
        yield self.issue("EPISODE_BEFORE_YEAR", rows, "DEC",
                         "the episode from {decom} ended on {dec}, before the {year} collection "
                         "year began on {start}, for child {child}; it belongs in an earlier "
                         "return.", decom=fmt(decom[rows]), dec=fmt(dec[rows]),
                         year=labels(year[rows]), start=fmt(start[rows]))

    # ------------------------------------------------------------ two episodes, same start

    def duplicates(self) -> Iterator[Issues]:
        idx = np.flatnonzero(self.usable & ~self.exact_dup)
        codes, _ = pd.factorize(pack(self.key[idx], self.decom[idx]))
        first = idx[np.unique(codes, return_index=True)[1]][codes]  # first row of each key
        again = first != idx
        rows, first = idx[again], first[again]
        self.same_start[rows] = True
        f = self.ctx.frames[T]
        yield self.issue("EPISODE_DUPLICATE", rows, "DECOM",
                         "child {child} has a second episode starting {decom} in the {year} "
                         "return (the first is {file} row {row}).",
                         decom=fmt(self.decom[rows]), year=labels(self.year[rows]),
                         file=f["_file"].iloc[first].to_numpy(object),
                         row=self.ctx.line(T)[first].astype(str))

    # ------------------------------------------------------------ episode and the next

    def sequence(self) -> Iterator[Issues]:
        idx = np.flatnonzero(self.usable & ~self.exact_dup & ~self.same_start)
        start = self.decom.view(np.int64)
        line = self.ctx.line(T)
        order = idx[np.lexsort((line[idx], start[idx], self.child[idx], self.year[idx]))]
        cur, nxt = order[:-1], order[1:]
        same = (self.child[cur] == self.child[nxt]) & (self.year[cur] == self.year[nxt])

        hit = same & (self.dec[cur] > self.decom[nxt])
        rows, after = cur[hit], nxt[hit]
        yield self.issue("EPISODE_OVERLAP", rows, "DEC",
                         "the episode from {decom} ends on {dec}, after the next episode starts "
                         "on {next}, for child {child}.", decom=fmt(self.decom[rows]),
                         dec=fmt(self.dec[rows]), next=fmt(self.decom[after]))

        hit = same & ~self.has_dec[cur]
        rows, after = cur[hit], nxt[hit]
        yield self.issue("OPEN_NOT_LAST", rows, "DEC",
                         "the episode from {decom} has no DEC but the next episode starts on "
                         "{next}, for child {child}; give its end date and REC (X1 if the next "
                         "starts that day).", decom=fmt(self.decom[rows]),
                         next=fmt(self.decom[after]))

        x1 = np.flatnonzero(equals(self.ctx.codes(T, "REC"), "X1") & ~np.isnat(self.dec)
                            & (self.child >= 0))
        ends = pack(self.key[x1], self.dec[x1])
        in_order = np.zeros(len(self.key), bool)
        in_order[idx] = True
        own = (ends == pack(self.key[x1], self.decom[x1])) & in_order[x1]  # it starts that day
        starting = _occurrences(ends, pack(self.key[idx], self.decom[idx]))
        found = starting > own  # another episode starts then
        # a child-year with an episode whose start is unknown (DECOM blank or unreadable) is
        # left out: that episode may be the one starting on the day X1 names
        unknown = self.ctx.member(self.key[x1], self.key[np.isnat(self.decom)])
        rows = x1[~found & ~unknown]
        yield self.issue("X1_NO_NEXT_EPISODE", rows, "REC",
                         "REC X1 says a new episode starts on {dec} but no episode of child "
                         "{child} starts that day in the {year} return.",
                         dec=fmt(self.dec[rows]), year=labels(self.year[rows]))

    # ------------------------------------------------------------ placement provider

    def provider(self) -> Iterator[Issues]:
        place, prov = self.ctx.codes(T, "PLACE"), self.ctx.codes(T, "PLACE_PROVIDER")
        has_prov = prov.notna().to_numpy()
        rows = np.flatnonzero(place.notna().to_numpy() & ~isin(place, NO_PROVIDER) & ~has_prov)
        yield self.issue("PROVIDER_MISSING", rows, "PLACE_PROVIDER",
                         "PLACE_PROVIDER is blank for placement {place}, for child {child}; "
                         "give PR0-PR5.", value=False, place=self.ctx.text(T, "PLACE", rows))
        rows = np.flatnonzero(equals(place, "P1") & has_prov & ~equals(prov, "PR0"))
        yield self.issue("PROVIDER_NOT_PR0", rows, "PLACE_PROVIDER",
                         "PLACE_PROVIDER '{provider}' is given for placement P1 (with parents), "
                         "for child {child}; P1 takes PR0 (parents).",
                         provider=self.ctx.text(T, "PLACE_PROVIDER", rows))

    # ------------------------------------------------------------ date of birth

    def age(self) -> Iterator[Issues]:
        if "header" not in self.ctx.frames:
            return
        hkey, hdob = self.ctx.key("header"), self.ctx.date("header", "DOB")
        ok = np.flatnonzero((hkey >= 0) & ~np.isnat(hdob))
        keys, first = np.unique(hkey[ok], return_index=True)  # a child's first row in a year
        by_key = np.full(self.ctx.n_keys + 1, np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
        by_key[keys] = hdob[ok[first]]
        dob = by_key[self.key]  # key -1 (no child) reads the last slot, which stays NaT

        rows = np.flatnonzero(dob > self.decom)
        yield self.issue("DOB_AFTER_DECOM", rows, "DECOM",
                         "DECOM {decom} is before the date of birth {dob} in the Header, for "
                         "child {child}.", decom=fmt(self.decom[rows]), dob=fmt(dob[rows]))
        years = age_in_years(dob, self.decom)
        rows = np.flatnonzero(years >= 18)
        yield self.issue("AGE_18_AT_DECOM", rows, "DECOM",
                         "child {child} was {age} on DECOM {decom} (born {dob}); a young person "
                         "of 18 or over is not looked after.", decom=fmt(self.decom[rows]),
                         age=years[rows].astype(int).astype(str), dob=fmt(dob[rows]))

    # ------------------------------------------------------------ first episode: RNE S

    def first_episode(self) -> Iterator[Issues]:
        idx = np.flatnonzero(self.usable & ~self.exact_dup & ~self.same_start)
        if not len(idx):
            return
        start, child = self.decom.view(np.int64)[idx], self.child[idx]
        earliest = np.full(self.ctx.n_children, np.iinfo(np.int64).max)  # each child's first DECOM
        np.minimum.at(earliest, child, start)
        earliest = earliest[child]
        # an episode that began before the first loaded return may follow one in an earlier,
        # unloaded return: not flagged
        loaded_from = self.ctx.year_start(T)[np.argmin(self.year)].view(np.int64)
        rne = self.ctx.codes(T, "RNE")
        first = idx[(start == earliest) & (start >= loaded_from)]
        rows = first[rne.iloc[first].notna().to_numpy() & ~equals(rne.iloc[first], "S")]
        # a child with an episode whose start is unknown may have an earlier episode after all
        unknown = np.unique(self.child[np.isnat(self.decom) & (self.child >= 0)])
        rows = rows[~np.isin(self.child[rows], unknown)]
        yield self.issue("FIRST_EPISODE_NOT_S", rows, "RNE",
                         "the first episode of child {child} starts on {decom} with RNE '{rne}', "
                         "but no earlier episode is in any return loaded; a child's first episode "
                         "has RNE S (started to be looked after).",
                         decom=fmt(self.decom[rows]), rne=self.ctx.text(T, "RNE", rows))


def _occurrences(values: np.ndarray, among: np.ndarray) -> np.ndarray:
    """How many times each of `values` occurs in `among`."""
    uniq, counts = np.unique(among, return_counts=True)
    at = np.searchsorted(uniq, values)
    inside = np.flatnonzero(at < len(uniq))
    match = inside[uniq[at[inside]] == values[inside]]
    out = np.zeros(len(values), np.int64)
    out[match] = counts[at[match]]
    return out
