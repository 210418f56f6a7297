"""Where the simulation's chances come from: one random stream, or common random numbers.

Both give the simulation the same four things: a generator for what is drawn once per run (the
hazards and the path of entries), a uniform number for each child who needs one (`uniform`),
the month's arrivals (`arrivals`) and the day each arrives (`arrival_days`). Every child
carries a key (`stock_keys`, and the keys `arrivals` gives): a stream ignores it; common random
numbers derive the child's chances from it.

- `Stream`: every chance is the next number of one generator. Fast; the right choice for a
  single forecast.
- `Common`: every chance is a hash of (run, child, month, use), so scenarios run with one seed
  give each child the same chances, and a child a reform does not touch does the same in both:
  the difference between scenarios is the reform's, not chance's. Entrants are numbered by
  arrival within their run and month; fewer entrants (an entry factor below 1) keep a subset
  of the same arrivals, more add arrivals of their own (drawn from a second generator).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

_GOLD = 0x9E3779B97F4A7C15
_U64 = 2**64
# what a keyed chance is for: one number per child, month and use (moves within a month take
# P_DEST + i, P_NEXT + i and P_KIN + i for the child's i-th event)
P_EVENT, P_DEST, P_NEXT, P_KIN, P_KIN_ENTRY, P_KEEP, P_PICK, P_DAY = 0, 1, 8, 16, 24, 25, 26, 27
ARRIVALS = 2**20  # room for the arrivals of one run in one month in an entrant's identity


def arrivals(rng: np.random.Generator, mean: np.ndarray, dispersion: float | None = None) -> np.ndarray:
    """Entrants in each run this month: Poisson, or negative binomial of size `dispersion`."""
    if dispersion is not None:
        return rng.negative_binomial(dispersion, dispersion / (dispersion + mean))
    return rng.poisson(mean)


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on uint64 arrays (arithmetic wraps): spreads every input bit."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _child_keys(root: int, runs: np.ndarray, ident: np.ndarray) -> np.ndarray:
    """A key for each (run, child): the same in every scenario run with one seed."""
    z = _mix(np.uint64(root) + np.asarray(runs).astype(np.uint64) * np.uint64(_GOLD))
    return _mix(z + np.asarray(ident).astype(np.uint64) * np.uint64(_GOLD))


def _keyed(keys: np.ndarray, month: int, purpose: int) -> np.ndarray:
    """Uniform numbers in [0, 1), one per key, for this month and purpose."""
    z = _mix(keys + np.uint64(((month * 64 + purpose + 1) * _GOLD) % _U64))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


class Chance(Protocol):
    """What the simulation asks of a source of chances (Stream, Common)."""

    rng: np.random.Generator  # for what is drawn once per run: the hazards, the path of entries

    def stock_keys(self, runs: int, n0: int) -> np.ndarray: ...

    def uniform(self, keys: np.ndarray, k: int, purpose: int, dtype=np.float64) -> np.ndarray: ...

    def arrivals(self, k: int, mean: tuple[np.ndarray, np.ndarray], factor: float,
                 dispersion: tuple[float | None, float | None],
                 profiles: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...

    def arrival_days(self, keys: np.ndarray, k: int, gap: int) -> np.ndarray: ...


class Stream:
    """Every chance the next number of one generator `rng`."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def stock_keys(self, runs: int, n0: int) -> np.ndarray:
        """Keys of the children in care at the start, run by run (unused: zeros)."""
        return np.zeros(runs * n0, np.uint64)

    def uniform(self, keys: np.ndarray, k: int, purpose: int, dtype=np.float64) -> np.ndarray:
        """A uniform number for each child (one per key) in month k, for `purpose`."""
        return self.rng.random(len(keys), dtype=dtype)

    def arrivals(self, k: int, mean: tuple[np.ndarray, np.ndarray], factor: float,
                 dispersion: tuple[float | None, float | None], profiles: tuple[np.ndarray, np.ndarray]):
        """(run, key, profile) of each of month k's entrants: `mean` the expected arrivals of
        each run (others, UASC), `factor` the entry lever on the others, `profiles` the
        entrant profiles each group is drawn from."""
        runs = len(mean[0])
        counts = (arrivals(self.rng, mean[0] * factor, dispersion[0]), arrivals(self.rng, mean[1], dispersion[1]))
        run = np.concatenate([np.repeat(np.arange(runs, dtype=np.int32), n) for n in counts])
        pick = np.concatenate([p[self.rng.integers(0, max(len(p), 1), int(n.sum()))]
                               for p, n in zip(profiles, counts, strict=True)])
        return run, np.zeros(len(run), np.uint64), pick

    def arrival_days(self, keys: np.ndarray, k: int, gap: int) -> np.ndarray:
        """Each entrant's day of arrival, 0 to gap - 1 days into the month."""
        return self.rng.integers(0, gap, len(keys))


class Common:
    """Chances keyed by (run, child, month, use) from `root` (the same for every scenario run
    with one seed); `rng` draws each run's rates, entry path and arrival counts, `extra` the
    arrivals an entry factor above 1 adds. `run0`: the first run's number (blocks of runs);
    `n0`: the children in care at the start, numbered 0 to n0 - 1 (entrants after them)."""

    def __init__(self, rng: np.random.Generator, extra: np.random.Generator, root: int, run0: int, n0: int):
        self.rng, self.extra, self.root, self.run0, self.n0 = rng, extra, root, run0, n0

    def stock_keys(self, runs: int, n0: int) -> np.ndarray:
        run = np.repeat(np.arange(runs, dtype=np.int64), n0)
        return _child_keys(self.root, run + self.run0, np.tile(np.arange(n0), runs))

    def uniform(self, keys: np.ndarray, k: int, purpose: int, dtype=np.float64) -> np.ndarray:
        return _keyed(keys, k, purpose)

    def _numbered(self, counts: np.ndarray, first: int) -> tuple[np.ndarray, np.ndarray]:
        """(run, key) of each arrival when run r has counts[r] arrivals numbered first, first + 1, ..."""
        run = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
        j = np.arange(len(run)) - np.repeat(np.cumsum(counts) - counts, counts)
        return run, _child_keys(self.root, run.astype(np.int64) + self.run0, first + j)

    def _picked(self, keys: np.ndarray, k: int, profiles: np.ndarray) -> np.ndarray:
        if not len(keys):
            return np.zeros(0, np.int64)
        return profiles[(_keyed(keys, k, P_PICK) * len(profiles)).astype(np.int64)]

    def arrivals(self, k: int, mean: tuple[np.ndarray, np.ndarray], factor: float,
                 dispersion: tuple[float | None, float | None], profiles: tuple[np.ndarray, np.ndarray]):
        """As Stream.arrivals; the others' arrivals are numbered before the factor applies, which
        keeps a keyed subset of them (below 1) or adds arrivals of its own (above 1)."""
        first = self.n0 + k * ARRIVALS
        n_o = arrivals(self.rng, mean[0], dispersion[0])
        n_u = arrivals(self.rng, mean[1], dispersion[1])
        run_o, keys_o = self._numbered(n_o, first)
        pick_o = self._picked(keys_o, k, profiles[0])
        if factor < 1:
            kept = _keyed(keys_o, k, P_KEEP) < factor
            run_o, keys_o, pick_o = run_o[kept], keys_o[kept], pick_o[kept]
        elif factor > 1:
            more = arrivals(self.extra, mean[0] * (factor - 1), dispersion[0])
            run_m, keys_m = self._numbered(more, first + ARRIVALS // 2)
            run_o, keys_o = np.concatenate([run_o, run_m]), np.concatenate([keys_o, keys_m])
            pick_o = np.concatenate([pick_o, self._picked(keys_m, k, profiles[0])])
        run_u, keys_u = self._numbered(n_u, first + 3 * ARRIVALS // 4)
        pick_u = self._picked(keys_u, k, profiles[1])
        return np.concatenate([run_o, run_u]), np.concatenate([keys_o, keys_u]), np.concatenate([pick_o, pick_u])

    def arrival_days(self, keys: np.ndarray, k: int, gap: int) -> np.ndarray:
        return (_keyed(keys, k, P_DAY) * gap).astype(np.int64)
