"""A model description: variables and constraints in named families indexed by named axes.

    b = Builder()
    build = b.var("build", [("site", sites), ("size", sizes), ("year", years)], ub=1, cost=c, integer=True)
    limit = b.con("homes_limit", [("site", sites), ("year", years)], hi=1)
    limit.add(build.transpose(0, 2, 1), 1.0)      # sum over the trailing axis (size)
    model = b.model()
    model.con_name(0)                             # 'homes_limit[E08000035,2026]'

A family's elements are named after their index keys ("res[E08000035,E08000036,2027,3]"), so a
test or a report can ask which constraints bind by name. The description is plain data (arrays
and a sparse matrix): any solver can read it, and `violations` checks a solution against it
without a solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

INF = np.inf


@dataclass(frozen=True)
class Family:
    """Elements start..start+size of a variable or constraint family, on a grid of `axes`."""

    name: str
    axes: tuple[tuple[str, tuple], ...]
    start: int

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(labels) for _, labels in self.axes)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def element(self, i: int) -> str:
        """The name of element `i` (counted from 0 inside the family)."""
        idx = np.unravel_index(i, self.shape) if self.axes else ()
        keys = ",".join(str(labels[j]) for (_, labels), j in zip(self.axes, idx, strict=True))
        return f"{self.name}[{keys}]"

    def frame(self, values: np.ndarray, column: str = "value") -> pd.DataFrame:
        """The family's slice of `values` (one per element) as a tidy table: axes, value."""
        grid = pd.MultiIndex.from_product([labels for _, labels in self.axes], names=[a for a, _ in self.axes])
        out = grid.to_frame(index=False)
        out[column] = np.asarray(values)[self.start:self.start + self.size]
        return out


@dataclass
class Constraint:
    """A constraint family being built: add terms, each an array of variable indices shaped
    (*family shape, *summed axes) with coefficients broadcast to it."""

    family: Family
    lo: np.ndarray
    hi: np.ndarray
    terms: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)

    def add(self, variables: np.ndarray, coef) -> Constraint:
        shape = self.family.shape
        variables = np.asarray(variables)
        if variables.shape[:len(shape)] != shape:
            raise ValueError(f"{self.family.name}: terms shaped {variables.shape} do not start with {shape}")
        extra = variables.shape[len(shape):]
        rows = np.arange(self.family.size).reshape(shape + (1,) * len(extra))
        rows = np.broadcast_to(rows, variables.shape) + self.family.start
        vals = np.broadcast_to(np.asarray(coef, float), variables.shape)
        self.terms.append((rows.ravel(), variables.ravel(), vals.ravel()))
        return self


@dataclass
class Model:
    """min cost.x + offset  s.t.  lo <= A x <= hi,  lb <= x <= ub,  x integer where `integer`.

    `scenario` gives each variable's scenario (-1: a first-stage decision) and `weight` each
    scenario's probability; `meta` what the builder was given (years, sizes, councils...)."""

    variables: dict[str, Family]
    constraints: dict[str, Family]
    cost: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    integer: np.ndarray
    A: sparse.csr_matrix
    lo: np.ndarray
    hi: np.ndarray
    scenario: np.ndarray
    weight: np.ndarray
    meta: dict
    offset: float = 0.0

    @property
    def n(self) -> int:
        return len(self.cost)

    @property
    def m(self) -> int:
        return len(self.lo)

    def var_name(self, i: int) -> str:
        return _name(self.variables, i)

    def con_name(self, r: int) -> str:
        return _name(self.constraints, r)

    def var(self, name: str) -> Family:
        return self.variables[name]

    def con(self, name: str) -> Family:
        return self.constraints[name]

    def values(self, x: np.ndarray, name: str) -> pd.DataFrame:
        """The solution `x` of variable family `name` as a tidy table."""
        return self.variables[name].frame(x)

    def rows(self, y: np.ndarray, name: str, column: str = "value") -> pd.DataFrame:
        """One value per row of constraint family `name` (activities or duals) as a tidy table."""
        return self.constraints[name].frame(y, column)

    def with_bounds(self, lb: np.ndarray, ub: np.ndarray, integer: bool = True) -> Model:
        """A copy with other variable bounds (and, with integer=False, no integer variables)."""
        ints = self.integer if integer else np.zeros_like(self.integer)
        return Model(self.variables, self.constraints, self.cost, lb, ub, ints, self.A, self.lo, self.hi,
                     self.scenario, self.weight, self.meta, self.offset)

    def fix(self, x: np.ndarray, mask: np.ndarray) -> Model:
        """A copy with the variables in `mask` fixed at their values in `x`, as a plain LP."""
        lb, ub = self.lb.copy(), self.ub.copy()
        lb[mask] = ub[mask] = np.round(x[mask]) if self.integer[mask].all() else x[mask]
        return self.with_bounds(lb, ub, integer=False)


def _name(families: dict[str, Family], i: int) -> str:
    for f in families.values():
        if f.start <= i < f.start + f.size:
            return f.element(i - f.start)
    raise IndexError(i)


class Builder:
    """Collects variable and constraint families and makes the `Model`."""

    def __init__(self, weight: np.ndarray | None = None, meta: dict | None = None):
        self.variables: dict[str, Family] = {}
        self.constraints: dict[str, Constraint] = {}
        self._cols: list[tuple] = []
        self._n = self._m = 0
        self.weight = np.ones(1) if weight is None else np.asarray(weight, float)
        self.meta = meta or {}

    def var(self, name: str, axes, *, lb=0.0, ub=INF, cost=0.0, integer: bool = False) -> np.ndarray:
        """A variable family; returns the indices of its elements shaped like its grid. A
        'scenario' axis marks its elements as that scenario's (second-stage) decisions."""
        fam = Family(name, tuple((a, tuple(labels)) for a, labels in axes), self._n)
        shape = fam.shape
        names = [a for a, _ in fam.axes]
        if "scenario" in names:
            scen = np.broadcast_to(np.arange(shape[names.index("scenario")]).reshape(
                [-1 if a == "scenario" else 1 for a in names]), shape)
        else:
            scen = np.full(shape, -1)
        self._cols.append(tuple(np.broadcast_to(np.asarray(v, float), shape).ravel() for v in (lb, ub, cost))
                          + (np.full(fam.size, integer), scen.ravel()))
        self.variables[name] = fam
        self._n += fam.size
        return np.arange(fam.start, fam.start + fam.size).reshape(shape)

    def con(self, name: str, axes, *, lo=-INF, hi=INF) -> Constraint:
        fam = Family(name, tuple((a, tuple(labels)) for a, labels in axes), self._m)
        c = Constraint(fam, np.broadcast_to(np.asarray(lo, float), fam.shape).ravel(),
                       np.broadcast_to(np.asarray(hi, float), fam.shape).ravel())
        self.constraints[name] = c
        self._m += fam.size
        return c

    def model(self) -> Model:
        lb, ub, cost, integer, scen = (np.concatenate(parts) for parts in zip(*self._cols, strict=True))
        terms = [t for c in self.constraints.values() for t in c.terms]
        rows, cols, vals = (np.concatenate(p) if p else np.zeros(0) for p in zip(*terms, strict=True)) \
            if terms else (np.zeros(0, int), np.zeros(0, int), np.zeros(0))
        A = sparse.csr_matrix((vals, (rows, cols)), shape=(self._m, self._n))
        A.sum_duplicates()
        A.eliminate_zeros()
        lo = np.concatenate([c.lo for c in self.constraints.values()]) if self.constraints else np.zeros(0)
        hi = np.concatenate([c.hi for c in self.constraints.values()]) if self.constraints else np.zeros(0)
        return Model(dict(self.variables), {k: c.family for k, c in self.constraints.items()}, cost, lb, ub,
                     integer.astype(bool), A, lo, hi, scen.astype(int), self.weight, dict(self.meta))


def violations(model: Model, x: np.ndarray, tol: float = 1e-6) -> list[str]:
    """Every bound, integrality and constraint that `x` breaks, by name (tolerance relative to
    the size of the row's terms): a check that needs no solver."""
    out = []
    scale = 1.0 + np.abs(x)
    for i in np.flatnonzero((x < model.lb - tol * scale) | (x > model.ub + tol * scale)):
        out.append(f"{model.var_name(i)} = {x[i]:g} outside [{model.lb[i]:g}, {model.ub[i]:g}]")
    for i in np.flatnonzero(model.integer & (np.abs(x - np.round(x)) > 1e-6)):
        out.append(f"{model.var_name(i)} = {x[i]:g} is not whole")
    act = model.A @ x
    size = 1.0 + abs(model.A) @ np.abs(x)
    for r in np.flatnonzero((act < model.lo - tol * size) | (act > model.hi + tol * size)):
        out.append(f"{model.con_name(r)} = {act[r]:g} outside [{model.lo[r]:g}, {model.hi[r]:g}]")
    return out
