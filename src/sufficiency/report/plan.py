"""The report's section on the capacity plan (`sufficiency plan`): what to open, recruit and
contract, where and when (a table, and a picture of the councils); its expected cost against no
plan and the simple rule; how many children it places near home (and, for a region, inside
it); the limits that hold it back. The council report and the regional report both show it. Shown only while the plan was built
on the store's returns (otherwise a sentence names the command that makes it again)."""

from __future__ import annotations

import pandas as pd

from ..plan.answers import gap_note, no_plan_note
from ..store import Store
from . import charts
from .content import Section, Table

POLICIES = {"plan": "The plan", "no plan": "No plan (spot purchases as today)",
            "simple rule": "Simple rule (open where today's gap is largest)"}
LIMITS = {"homes_limit": "new homes a council can open in a year",
          "recruit_limit": "foster households a council can recruit in a year",
          "block_limit": "block beds a council can contract in a year",
          "budget": "the capital budget of a year"}


def _no_plan(slack: pd.DataFrame) -> Section:
    """No plan meets the limits: what must give, limit by limit."""
    rows = slack.sort_values("short_by", ascending=False)
    return Section("plan", "Capacity plan", [no_plan_note(slack)], tables=[Table(
        "What the limits must give for a plan to exist", ["Limit", "Short by", "Unit"],
        [[r.limit, f"{r.short_by:,.2f}", r.unit] for r in rows.itertuples()], name="plan_slack")])


REGION_STALE = ("The capacity plan was made from other shares than those the store now holds: make it again from "
                "these (the region forecast command, then the plan command).")


def plan_section(store: Store, region: bool = False) -> Section | None:
    """The section, or a sentence naming what makes the plan again when it was made from other
    returns (`region`: a regional store, other shares); None when the store holds no plan."""
    stale = store.stale(in_words=True)
    if "plan" in stale:
        return Section("plan", "Capacity plan", [REGION_STALE if region else stale["plan"]])
    if "plan_slack" in store.names:
        return _no_plan(store.table("plan_slack"))
    if "plan_decisions" not in store.names:
        return None
    info = store.meta().get("plan", {})
    summary = store.table("plan_summary").set_index("policy")
    decisions = store.table("plan_decisions")
    placed = store.table("plan_placed")
    s = Section("plan", "Capacity plan")
    plan = summary.loc["plan"]
    years = info.get("options", {}).get("years", "")
    s.text = [
        f"Where and when to open children's homes, recruit foster carers and contract block beds over {years} "
        f"years from {_day(info.get('start'))}, chosen to keep the expected cost of placing the forecast's children "
        "as low as possible (every future year's cost discounted at the Treasury's 3.5% a year) within the limits "
        "set for the plan.",
        f"Expected cost {_m(plan['expected'])} (90% range {_m(plan['low'])} to {_m(plan['high'])}); "
        + "; ".join(f"{POLICIES[p].split(' (')[0].lower()} {_m(summary.loc[p, 'expected'])}, "
                    f"{_m(summary.loc[p, 'plan_saves'])} more" for p in ("no plan", "simple rule") if p in summary.index)
        + ".",
        _near(placed),
        gap_note(info.get("status", "optimal"), info.get("gap")),
    ]
    s.text += _binding(store)
    if "plan_councils" in store.names:
        from ..plan.picture import plan_svg

        s.charts.append(plan_svg(store.table("plan_councils"), decisions))
    costs = {POLICIES[p].split(" (")[0]: float(summary.loc[p, "expected"]) for p in POLICIES if p in summary.index}
    s.charts.append(charts.bars(costs, "Expected cost over the plan's years, discounted", "£", money=True,
                                point=f"The plan's expected cost is {_m(plan['expected'])}, "
                                      f"{_m(summary['plan_saves'].max())} less than the costliest alternative."))
    s.tables.append(Table("What the plan does, where and when",
                          ["Council", "Decided (year to 31 March)", "Ready", "What", "Number", "Places", "Capital"],
                          [[r.name, str(r.decided), str(r.ready), r.what, f"{r.number:,.0f}", f"{r.places:,.0f}",
                            _m(r.capital) if r.capital else "–"] for r in decisions.itertuples()],
                          name="plan_decisions"))
    s.tables.append(Table("Expected cost over the plan's years (discounted) and its 90% range",
                          ["Policy", "Expected", "5%", "95%", "More than the plan"],
                          [[POLICIES.get(p, p), _m(r.expected), _m(r.low), _m(r.high),
                            "–" if p == "plan" else _m(r.plan_saves)] for p, r in summary.iterrows()],
                          name="plan_summary"))
    return s


def _m(value: float) -> str:
    """Money in £m to one decimal."""
    return f"£{float(value) / 1e6:,.1f}m"


def _near(placed: pd.DataFrame) -> str:
    if not len(placed):
        return ""
    share = 100 * placed["near"].sum() / max(placed["children"].sum(), 1e-9)
    bought = placed.groupby("scenario")["bought"].mean()
    inside = (f" and {100 * placed['inside'].sum() / max(placed['children'].sum(), 1e-9):.0f}% inside the region"
              if "inside" in placed else "")
    return (f"Under the plan {share:.0f}% of children are placed within 20 miles of home{inside}; on average "
            f"{bought.median():,.0f} children a year still need a bought place (90% range "
            f"{bought.quantile(0.05):,.0f} to {bought.quantile(0.95):,.0f}).")


def _binding(store: Store) -> list[str]:
    if "plan_binding" not in store.names:
        return []
    held = store.table("plan_binding")["family"].value_counts()
    named = [f"{LIMITS[f]} ({n} time{'s' if n != 1 else ''})" for f, n in held.items() if f in LIMITS]
    return [f"The plan is held back by the limits on {'; '.join(named)}: raising one would lower the cost."] if named \
        else []


def _day(value) -> str:
    return f"{pd.Timestamp(value):%d %B %Y}".lstrip("0") if value else "the last 31 March loaded"
