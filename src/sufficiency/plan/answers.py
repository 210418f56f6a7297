"""Tables from a solved model: the plan (what, where, when), each scenario's cost, the share
placed near home, in-house need left unmet, shadow prices and the constraints that bind."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .algebra import Model
from .inputs import PlanInputs

FIRST = ("build", "recruit", "block")
LIMIT_FAMILIES = ("homes_limit", "recruit_limit", "block_limit", "budget", "near_share")
SPOTS = ("spot_res", "spot_alone", "spot_fos")
TOL = 1e-6
UNITS = {"slack_homes_limit": "homes", "slack_recruit_limit": "households", "slack_block_limit": "beds",
         "slack_budget": "GBP m", "slack_near_share": "children"}


def first_stage(model: Model) -> np.ndarray:
    """Mask of the first-stage decisions (build, recruit, block)."""
    mask = np.zeros(model.n, bool)
    for name in FIRST:
        f = model.variables[name]
        mask[f.start:f.start + f.size] = True
    return mask


def decisions(model: Model, x: np.ndarray, p: PlanInputs) -> pd.DataFrame:
    """The plan: council, year decided, year it is ready, what, how many, capital."""
    pr = p.prices
    rows = []
    for r in model.values(x, "build").itertuples(index=False):
        if r.value > 0.5:
            t = p.years.index(r.year)
            rows.append({"council": r.site, "decided": r.year, "ready": r.year + pr.lead_home,
                         "what": f"new {r.size}-bed home", "number": int(round(r.value)),
                         "places": int(round(r.value)) * r.size,
                         "capital": round(r.value) * (pr.capital_home[t] + r.size * pr.capital_bed[t])})
    for r in model.values(x, "recruit").itertuples(index=False):
        if r.value > 0.5:
            n = int(round(r.value))
            rows.append({"council": r.site, "decided": r.year, "ready": r.year + pr.lead_foster,
                         "what": "foster households", "number": n, "places": n * pr.places_per_household,
                         "capital": 0.0})
    for r in model.values(x, "block").itertuples(index=False):  # block beds are indexed by the year used
        if r.value > 0.5:
            n = int(round(r.value))
            rows.append({"council": r.site, "decided": r.year - pr.lead_block, "ready": r.year,
                         "what": "block beds", "number": n, "places": float(n), "capital": 0.0})
    cols = ["council", "decided", "ready", "what", "number", "places", "capital"]
    out = pd.DataFrame(rows, columns=cols)
    out.insert(1, "name", out["council"].map(lambda c: p.names.get(c, c)))
    return out.sort_values(["decided", "council", "what"]).reset_index(drop=True)


def scenario_costs(model: Model, x: np.ndarray) -> np.ndarray:
    """Each scenario's discounted cost: every first-stage cost plus the scenario's own."""
    risk = np.zeros(model.n, bool)
    for name in ("cvar_threshold", "cvar_excess"):
        if name in model.variables:
            f = model.variables[name]
            risk[f.start:f.start + f.size] = True
    part = np.where(risk, 0.0, model.cost * x)
    first = part[model.scenario < 0].sum()
    W = len(model.weight)
    own = np.bincount(model.scenario[model.scenario >= 0], weights=part[model.scenario >= 0], minlength=W)
    return first + own / model.weight


def placed(model: Model, x: np.ndarray, p: PlanInputs) -> pd.DataFrame:
    """By scenario and year: children placed, those within near_miles (spot places counted at
    the spot share), those in bought places (in-house need unmet) and, in a region's plan,
    those placed inside the region (places at its sites; bought places at the share
    spot_inside)."""
    pr = p.prices
    close = p.miles <= pr.near_miles
    inside = np.zeros(len(p.councils), bool) if p.inside is None else np.asarray(p.inside, bool)
    out = []
    for name in ("res", "blk", "fos", "alone"):
        v = model.values(x, name)
        site = v["site"].map(p.councils.index).to_numpy()
        near = close[v["home"].map(p.councils.index).to_numpy(), site]
        out.append(v.assign(near=v["value"] * near, bought=0.0, inside=v["value"] * inside[site]))
    for name in SPOTS:
        v = model.values(x, name)
        out.append(v.assign(near=v["value"] * pr.spot_near, bought=v["value"], inside=v["value"] * p.spot_inside))
    t = pd.concat(out, ignore_index=True)
    cols = ["value", "near", "bought"] + ([] if p.inside is None else ["inside"])
    g = t.groupby(["scenario", "year"])[cols].sum().reset_index()
    return g.rename(columns={"value": "children"})


def shadow_prices(model: Model, duals: np.ndarray, p: PlanInputs) -> pd.DataFrame:
    """The value of one more in-house bed, and of one more foster household, in each council and
    year with the integer decisions fixed: minus the expected discounted change in cost (summed
    over scenarios: each row's dual already carries its scenario's probability)."""
    frames = []
    for name, what, per in (("beds", "in-house bed", 1.0),
                            ("foster_places", "foster household", p.prices.places_per_household)):
        d = model.rows(duals, name, "dual").groupby(["site", "year"])["dual"].sum().reset_index()
        frames.append(d.assign(place=what, value=-d["dual"] * per).drop(columns="dual"))
    out = pd.concat(frames, ignore_index=True).rename(columns={"site": "council"})
    out["value"] = out["value"].clip(lower=0.0).round(0)
    return out[["council", "year", "place", "value"]]


def binding(model: Model, x: np.ndarray) -> pd.DataFrame:
    """The limits at their bound in the plan (a limit that allows nothing left out):
    constraint, family, activity, bound. What one more place would be worth is in
    `shadow_prices`."""
    act = model.A @ x
    rows = []
    for name in LIMIT_FAMILIES:
        f = model.constraints.get(name)
        if f is None:
            continue
        for r in range(f.start, f.start + f.size):
            bound = model.hi[r] if np.isfinite(model.hi[r]) else model.lo[r]
            if np.isfinite(bound) and abs(act[r] - bound) <= TOL * (1 + abs(bound)):
                rows.append({"constraint": model.con_name(r), "family": name, "activity": act[r], "bound": bound})
    out = pd.DataFrame(rows, columns=["constraint", "family", "activity", "bound"])
    closed = out["family"].isin(("homes_limit", "recruit_limit", "block_limit")) & (out["bound"] == 0)
    return out[~closed].reset_index(drop=True)


def binding_counts(model: Model, duals: np.ndarray) -> pd.DataFrame:
    """Rows with a non-zero dual in the fixed LP, counted by constraint family."""
    rows = []
    for name, f in model.constraints.items():
        d = duals[f.start:f.start + f.size]
        rows.append({"family": name, "rows": f.size, "binding": int((np.abs(d) > TOL).sum())})
    return pd.DataFrame(rows)


def slack(model: Model, x: np.ndarray) -> pd.DataFrame:
    """Of an elastic model's solution: each limit that had to give, and by how much."""
    rows = []
    for name, f in model.variables.items():
        if not name.startswith("slack_"):
            continue
        v = x[f.start:f.start + f.size]
        for i in np.flatnonzero(v > TOL):
            limit = f.element(int(i)).removeprefix("slack_")
            r = model.constraints[name.removeprefix("slack_")].start + int(i)
            bound = model.hi[r] if np.isfinite(model.hi[r]) else model.lo[r]
            rows.append({"limit": limit, "bound": bound, "short_by": float(v[i]), "unit": UNITS[name]})
    return pd.DataFrame(rows, columns=["limit", "bound", "short_by", "unit"])


def slack_summary(table: pd.DataFrame) -> pd.DataFrame:
    """The slack by limit family: how many of its rows must give, by how much in all, and the
    row that must give most: family, rows, total, largest, by, unit."""
    if not len(table):
        return pd.DataFrame(columns=["family", "rows", "total", "largest", "by", "unit"])
    t = table.assign(family=table["limit"].str.split("[").str[0])
    top = t.sort_values("short_by", ascending=False).drop_duplicates("family").set_index("family")
    g = t.groupby("family", sort=False)
    out = pd.DataFrame({"rows": g.size(), "total": g["short_by"].sum()})
    out["largest"], out["by"], out["unit"] = top["limit"], top["short_by"], top["unit"]
    return out.reset_index()


def no_plan_note(slack: pd.DataFrame) -> str:
    """Why there is no plan, in a sentence: what the limits must give for one to exist."""
    short = "; ".join(f"{r.family} in {r.rows} place{'s' if r.rows > 1 else ''}, {r.total:,.2f} {r.unit} in all "
                      f"(most: {r.largest} by {r.by:,.2f})" for r in slack_summary(slack).itertuples())
    return f"No plan meets the limits. The least they must give for one to exist (plan_slack has each): {short}."


def gap_note(status: str, gap: float | None, seconds: float | None = None) -> str:
    """How close the plan is to the least expected cost possible, in a sentence (with the time
    the search took, if given)."""
    how = "" if status == "optimal" else "the best found in the time limit, "
    took = "" if seconds is None else f"; {seconds:.1f} s to solve"
    if gap is None:
        return (f"The plan is {how}at least as good as no plan and the simple rule; how far it is from the least "
                f"expected cost possible is not known (the solver stopped before it had a bound{took}): give it "
                "more time (solver.time_limit).")
    return f"The plan is {how}within {100 * gap:.2f}% of the least expected cost possible (the solver's gap{took})."
