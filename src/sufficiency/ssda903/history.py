"""The episode rules of cleaning, and the placements and periods of care built from episodes.

Rules in order (docs/background/cleaning.md says what each changes and how it is logged):
  unusable     no CHILD, or DECOM blank or not a date: the row cannot be placed in time
  superseded   the same child + DECOM in several returns: the latest return's row wins
  duplicate    the same child + DECOM twice in one return: the last row wins
  short_break  LS V3/V4 go to `short_breaks`, not the care history
  dec_before_decom  DEC before DECOM: the episode ends when the child's next episode starts,
               or, if it is the child's last, on its own DECOM (REC kept)
  truncated    an episode ending after the next one starts, or open but not the child's
               last, ends when the next one starts
  censored     an episode open at the end of a return, whose child has no episode in a later
               return, is closed at that return's 31 March and flagged end_censored
Then `placement_spells` merges RNE L episodes into the placement before them ('merged'), and
`periods_of_care` cuts each child's episodes into periods of care.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from .cleaning_log import Log, join_text
from .distance import placement_distances

SHORT_BREAKS = ("V3", "V4")
EPISODE_COLUMNS = [
    "child", "decom", "dec", "rne", "ls", "cin", "place", "place_provider", "rec",
    "reason_place_change", "urn", "home_post", "pl_post", "home_kind", "pl_kind", "pl_distance",
    "pl_council", "placed_inside_la", "end_censored", "end_of_data",
    "source_year", "source_file", "source_row",
]
DISTANCE_COLUMNS = {"pl_distance": "float64", "pl_council": "string", "placed_inside_la": "boolean",
                    "home_kind": "string", "pl_kind": "string"}
SHORT_BREAK_COLUMNS = [
    "child", "decom", "dec", "rne", "ls", "cin", "place", "place_provider", "rec",
    "reason_place_change", "urn", "source_year", "source_file", "source_row",
]


def _fmt(d: np.ndarray) -> pd.Series:
    """dd/mm/yyyy, 'open' where NaT, numbered from 0: formats each distinct date once."""
    codes, uniques = pd.factorize(d)
    text = np.append(pd.DatetimeIndex(uniques).strftime("%d/%m/%Y").to_numpy(object), "open")
    return pd.Series(text[np.where(codes < 0, len(text) - 1, codes)], dtype="string")


def _mask(frame: pd.DataFrame, m) -> pd.Series:
    return pd.Series(m, index=frame.index).fillna(False).astype(bool)


def care_episodes(ep: pd.DataFrame, raw_decom: pd.Series, log: Log, last_year: int | None,
                  seen: pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed episodes (all returns) -> (care episodes, short breaks), each rule logged.

    `seen`: the last return each child is in by other tables (Header), to word the log.
    """
    ep = ep.take(_by_child_decom(ep, _usable(ep, raw_decom, log)))
    kept = ~_repeated(ep, log)
    sb = kept & ep["ls"].isin(SHORT_BREAKS).to_numpy(bool, na_value=False)
    log.add("short_break", "moved", "episodes", ep,
            join_text("LS ", ep["ls"][sb], ": a short break, moved to short_breaks"), sb)
    short_breaks = ep[SHORT_BREAK_COLUMNS].take(np.flatnonzero(sb)).reset_index(drop=True)
    ep = _mend_ends(ep.take(np.flatnonzero(kept & ~sb)).reset_index(drop=True), log)
    ep = _close_censored(ep, log, last_year, seen)
    ep["end_of_data"] = (pd.Timestamp(last_year, 3, 31) if last_year is not None else pd.NaT)
    ep["end_of_data"] = ep["end_of_data"].astype("datetime64[ns]")
    ep["end_censored"] = ep["end_censored"].astype(bool)
    return ep, short_breaks


def _usable(ep: pd.DataFrame, raw_decom: pd.Series, log: Log) -> np.ndarray:
    """The positions of the episodes with a child and a readable DECOM; the others logged as
    dropped."""
    no_child = ep["child"].isna().to_numpy(bool)
    no_decom = np.isnat(ep["decom"].to_numpy("datetime64[ns]")) & ~no_child
    log.add("unusable", "dropped", "episodes", ep, "no CHILD identifier", no_child)
    if no_decom.any():  # the raw text only to tell blank from unreadable
        raw = raw_decom.astype("string").str.strip().reindex(ep.index)
        unreadable = no_decom & (raw.notna() & (raw != "")).to_numpy(bool, na_value=False)
        log.add("unusable", "dropped", "episodes", ep, "DECOM blank", no_decom & ~unreadable)
        log.add("unusable", "dropped", "episodes", ep,
                "DECOM '" + raw[unreadable].str.slice(0, 40) + "' is not a date", unreadable)
    return np.flatnonzero(~(no_child | no_decom))


def _by_child_decom(ep: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """The positions `rows` of episodes (each with a child and DECOM) in order of child,
    DECOM, return and row."""
    child = pd.factorize(ep["child"].array.take(rows), sort=True)[0]
    return rows[np.lexsort((ep["source_row"].to_numpy(np.int64)[rows],
                            ep["source_year"].to_numpy(np.int64)[rows],
                            ep["decom"].to_numpy("datetime64[ns]")[rows], child))]


def _repeated(ep: pd.DataFrame, log: Log) -> np.ndarray:
    """Which episodes to drop, logged: the same episode in several returns (the newest
    return's kept), or twice in one (the last row kept); `ep` sorted by child, DECOM, return
    and row, with a child and DECOM on every row, so an episode's rows are together."""
    child, decom = ep["child"].to_numpy(object), ep["decom"].to_numpy("datetime64[ns]")
    again = np.zeros(len(ep), bool)  # the next row is the same episode
    again[:-1] = (child[:-1] == child[1:]) & (decom[:-1] == decom[1:])
    repeated = again.copy()
    repeated[1:] |= again[:-1]
    drop = np.zeros(len(ep), bool)
    if not repeated.any():
        return drop
    at, again = np.flatnonzero(repeated), again[repeated]
    last = np.flatnonzero(~again)[np.cumsum(~again) - ~again]  # each row's episode's last row
    year = ep["source_year"].to_numpy(np.int64)[at]
    newest, kept_row = year[last], ep["source_row"].to_numpy(np.int64)[at][last]
    older = year < newest
    log.add("superseded", "dropped", "episodes", ep,
            join_text("the same episode in the ", pd.Series(newest[older]).astype("string"),
                      " return is used"), _at(len(ep), at[older]))
    not_last = again & ~older
    # a row that is not repeated differs from every other in child or DECOM: no exact copy
    data = [c for c in ep.columns if c not in ("source_row", "source_file")]
    exact = ep.duplicated(data, keep=False).to_numpy()[at]
    detail = pd.Series(np.where(exact, "exact copy of row ", "same CHILD and DECOM as row "),
                       dtype="string")
    detail = join_text(detail, pd.Series(kept_row).astype("string"),
                       " of the same return, which is used")
    log.add("duplicate", "dropped", "episodes", ep, detail[not_last], _at(len(ep), at[not_last]))
    drop[at[older | not_last]] = True
    return drop


def _at(n: int, positions: np.ndarray) -> np.ndarray:
    """A mask of n rows marking these positions."""
    mask = np.zeros(n, bool)
    mask[positions] = True
    return mask


def _mend_ends(ep: pd.DataFrame, log: Log) -> pd.DataFrame:
    """An end before the start ends when the next episode starts (or on DECOM if last); an
    episode ends no later than the child's next one starts."""
    child = ep["child"].to_numpy(object)
    same = np.zeros(len(ep), bool)
    same[:-1] = child[:-1] == child[1:]
    decom = ep["decom"].to_numpy("datetime64[ns]")
    dec = ep["dec"].to_numpy("datetime64[ns]", copy=True)
    next_decom = np.full(len(ep), np.datetime64("NaT", "ns"))
    next_decom[:-1] = decom[1:]
    next_decom[~same] = np.datetime64("NaT", "ns")
    back = dec < decom  # NaT: False
    if back.any():
        new_end = np.where(same[back], next_decom[back], decom[back])
        why = pd.Series(np.where(same[back], "ends when the next episode starts",
                                 "the child's last episode ends on its DECOM"))
        log.add("dec_before_decom", "changed", "episodes", ep,
                join_text("DEC ", _fmt(dec[back]), " is before DECOM ", _fmt(decom[back]),
                          ": ", why, ", ", _fmt(new_end)), back)
        dec[back] = new_end
    over = same & (np.isnat(dec) | (dec > next_decom))
    if over.any():
        detail = pd.Series(np.where(np.isnat(dec[over]), "open but not the child's last episode",
                                    join_text("DEC ", _fmt(dec[over]), " after the next DECOM")),
                           dtype="string")
        log.add("truncated", "changed", "episodes", ep,
                join_text(detail, ": ends ", _fmt(next_decom[over]), " when the next episode starts"),
                over)
        dec[over] = next_decom[over]
    if back.any() or over.any():
        ep["dec"] = dec
    return ep


def _close_censored(ep: pd.DataFrame, log: Log, last_year: int | None, seen: pd.Series | None) -> pd.DataFrame:
    """Episodes open at the end of an earlier return and never seen again: closed on that
    return's 31 March and marked end_censored."""
    ep["end_censored"] = False
    if last_year is None or not len(ep):
        return ep
    dec = ep["dec"].to_numpy("datetime64[ns]", copy=True)
    year = ep["source_year"].to_numpy(np.int64)
    at = np.isnat(dec) & (year < last_year)
    if not at.any():
        return ep
    years = year[at]
    march = (years * 12 - 1970 * 12 + 2).astype("datetime64[M]")  # March of the year
    ends = (march.astype("datetime64[D]") + 30).astype("datetime64[ns]")
    ends = np.maximum(ends, ep["decom"].to_numpy("datetime64[ns]")[at])
    # the latest return each censored episode's child is in (episodes: a child's together)
    starts, group = _child_groups(ep["child"])
    last_seen = np.maximum.reduceat(year, starts)[group][at].astype(np.float64)
    if seen is not None and len(seen):
        if not seen.index.is_unique:
            seen = seen.groupby(level=0).max()
        other = seen.reindex(ep["child"][at]).to_numpy(np.float64, na_value=np.nan)
        last_seen = np.fmax(last_seen, other)
    where = pd.Series(np.where(last_seen > years, "this episode is not in a later return",
                               "child in no later return"))
    log.add("censored", "changed", "episodes", ep,
            join_text("open at the end of the ", pd.Series(years).astype("string"), " return, ",
                      where, ": closed ", _fmt(ends), ", end_censored"), at)
    dec[at] = ends
    ep["dec"] = dec
    ep["end_censored"] = at
    return ep


def add_distances(ep: pd.DataFrame, la_code: str | None,
                  home: pd.DataFrame | None = None) -> pd.DataFrame:
    """The episodes with pl_distance, pl_council, placed_inside_la, home_kind, pl_kind
    (`home`: the home postcodes already located, if they were)."""
    d = placement_distances(ep["home_post"], ep["pl_post"], la_code, home=home)
    added = {c: pd.array(d[c].array, dtype=t, copy=False) for c, t in DISTANCE_COLUMNS.items()}
    return pd.DataFrame({c: added[c] if c in added else ep[c].array for c in EPISODE_COLUMNS},
                        index=pd.RangeIndex(len(ep)), copy=False)


# ---------------------------------------------------------------- placements and periods


def episode_starts(ep: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For episodes sorted by child and DECOM: (new period?, new placement?) per episode."""
    n = len(ep)
    child = ep["child"].to_numpy(object)
    new_period = np.ones(n, bool)  # the child's first episode, or
    new_period[1:] = child[1:] != child[:-1]
    dec, decom = ep["dec"].to_numpy("datetime64[ns]"), ep["decom"].to_numpy("datetime64[ns]")
    new_period[1:] |= decom[1:] != dec[:-1]  # a gap (or the episode before is open), or
    rec = ep["rec"].astype("string")
    ceases = (rec.notna() & (rec != "X1")).to_numpy(bool, na_value=False)
    new_period[1:] |= ceases[:-1]  # care ceased at the end of the episode before, or
    rne = ep["rne"].astype("string")
    new_period |= (rne == "S").to_numpy(bool, na_value=False)  # a new period starts
    legal_only = (rne == "L").to_numpy(bool, na_value=False)
    for col in ("place", "place_provider", "pl_post"):
        text = pd.array(ep[col].array, dtype="string", copy=False).__arrow_array__()
        codes = pd.factorize(pd.arrays.ArrowStringArray(pc.replace_substring(text, " ", "")))[0]
        same = np.empty(n, bool)  # the same value as the episode before (blank: both blank)
        same[:1] = codes[:1] < 0
        same[1:] = codes[1:] == codes[:-1]
        legal_only &= same
    return new_period, new_period | ~legal_only


def dates_of(child: pd.Series, children: pd.Series, dates: pd.Series) -> np.ndarray:
    """The date each `child` has in `dates`, one for each of the distinct `children` (NaT for a
    child not in `children`)."""
    at = pd.Index(children).get_indexer(child)
    return np.append(dates.to_numpy("datetime64[ns]"), np.datetime64("NaT", "ns"))[at]


def _age(dob: pd.Series, when: pd.Series) -> pd.Series:
    """Whole years of age on a date; <NA> where either is unknown."""
    (by, bm, bd), (wy, wm, wd) = _ymd(dob), _ymd(when)
    before = (wm < bm) | ((wm == bm) & (wd < bd))
    unknown = np.isnat(dob.to_numpy("datetime64[ns]")) | np.isnat(when.to_numpy("datetime64[ns]"))
    years = np.where(unknown, 0, wy - by - before)
    return pd.Series(pd.arrays.IntegerArray(years.astype(np.int64), unknown), index=when.index)


def _ymd(dates: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of each date (meaningless where NaT)."""
    d = dates.to_numpy("datetime64[ns]")
    year, month = d.astype("datetime64[Y]"), d.astype("datetime64[M]")
    return (year.astype(np.int64), (month - year.astype("datetime64[M]")).astype(np.int64),
            (d.astype("datetime64[D]") - month.astype("datetime64[D]")).astype(np.int64))


def _first_last(starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    first = np.flatnonzero(starts)
    last = np.append(first[1:], len(starts))[: len(first)] - 1
    return first, last


def _child_groups(child) -> tuple[np.ndarray, np.ndarray]:
    """For rows whose child's rows are together: the position of each child's first row, and
    each row's child as 0, 1, 2... in order. `child`: a Series or an array."""
    values = child.to_numpy(object)
    first = np.ones(len(values), bool)
    first[1:] = values[1:] != values[:-1]
    return np.flatnonzero(first), np.cumsum(first) - 1


def _child_firsts(child) -> np.ndarray:
    """For rows whose child's rows are together: the position of each row's child's first."""
    starts, group = _child_groups(child)
    return starts[group]


def _rows(ep: pd.DataFrame, at: np.ndarray, columns: list[str]) -> dict:
    """These columns of the episodes at these positions, as arrays."""
    return {c: ep[c].array.take(at) for c in columns}


def placement_spells(ep: pd.DataFrame, log: Log, starts: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """One row per placement: consecutive episodes of a child that change only legal status
    (RNE L, starting the day the last ended, care not ceased, and the same PLACE,
    PLACE_PROVIDER and PL_POST as the episode before) are one placement. `starts`: the
    episodes' episode_starts, if known."""
    new_period, new_placement = episode_starts(ep) if starts is None else starts
    merged = ~new_placement
    log.add("placement", "merged", "episodes", ep,
            "RNE L: legal status change only, same placement as the episode before", merged)
    first, last = _first_last(new_placement)
    f = _rows(ep, first, ["child", "decom", "place", "place_provider", "urn", "ls", "pl_distance",
                          "pl_council", "placed_inside_la", "end_of_data"])
    la = _rows(ep, last, ["dec", "ls", "reason_place_change", "rec", "end_censored"])
    child_first = _child_firsts(f["child"])  # periods only grow along a child's episodes
    period = np.cumsum(new_period)[first].astype(np.int64)
    return pd.DataFrame({
        "child": f["child"],
        "period": period - period[child_first] + 1,
        "placement": np.arange(len(first), dtype=np.int64) - child_first + 1,
        "start": f["decom"], "end": la["dec"],
        "place": f["place"], "place_provider": f["place_provider"], "urn": f["urn"],
        "first_ls": f["ls"], "last_ls": la["ls"],
        "episodes": (last - first + 1).astype(np.int64),
        "pl_distance": f["pl_distance"], "pl_council": f["pl_council"],
        "placed_inside_la": f["placed_inside_la"],
        "reason_place_change": la["reason_place_change"], "rec": la["rec"],
        "end_censored": la["end_censored"], "end_of_data": f["end_of_data"],
    }, index=pd.RangeIndex(len(first)), copy=False)


def periods_of_care(ep: pd.DataFrame, placements: pd.DataFrame, children: pd.DataFrame,
                    starts: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """One row per period of care: from a start (RNE S, the child's first episode, or after a
    gap) to a ceasing (REC other than X1), with its placements and the child's ages. `starts`:
    the episodes' episode_starts, if known."""
    new_period, new_placement = episode_starts(ep) if starts is None else starts
    first, last = _first_last(new_period)
    f = _rows(ep, first, ["child", "decom", "ls", "cin", "end_of_data"])
    la = _rows(ep, last, ["dec", "rec", "end_censored"])
    counts = np.add.reduceat(new_placement.astype(np.int64), first) if len(first) else []
    rec = pd.Series(la["rec"], copy=False).astype("string")
    out = pd.DataFrame({
        "child": f["child"],
        "period": np.arange(len(first), dtype=np.int64) - _child_firsts(f["child"]) + 1,
        "start": f["decom"], "end": la["dec"],
        "reason_ceased": rec.where(rec != "X1").array,
        "first_ls": f["ls"], "cin": f["cin"],
        "placements": np.asarray(counts, dtype=np.int64),
        "episodes": (last - first + 1).astype(np.int64),
        "end_censored": la["end_censored"], "end_of_data": f["end_of_data"],
    }, index=pd.RangeIndex(len(first)), copy=False)
    dob = pd.Series(dates_of(out["child"], children["child"], children["dob"]), index=out.index,
                    dtype="datetime64[ns]", copy=False)
    out["age_start"] = _age(dob, out["start"])
    out["age_end"] = _age(dob, out["end"])
    return out
