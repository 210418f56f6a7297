"""The regional planner: the capacity plan on the region's store, for the regional analyst (and
an administrator), behind the same wall as every regional page (`regional_page`).

The form (plan_form.py: the fields a commissioner changes, or an options file) is read by the
planner's own strict options reader and checked against the regional forecast the store holds
(a plan needs one, made from the shares held, with at least the plan's futures and years);
anything wrong is a sentence in the page and nothing is queued. The worker then runs the
library's `plan` on the region's store (the `region_plan` job), writes the plan as a workbook
beside the store and the regional report again, whose "Capacity plan" section shows it. The
result page shows that section: what, where and when, the expected cost and its 90% range
against no plan and the simple rule, the gap reached, the shares placed near home and inside
the region, and the picture of the councils.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from .. import api
from ..errors import StoreError, SufficiencyError
from . import plan_form, uploads
from .models import Job
from .regions_models import Region
from .roles import audit, needs_region, regional_page

KIND = "region_plan"
RUNS = "region_forecast_runs"  # the regional forecast's combined runs (sufficiency.plan.regional)


def plan_folder(region: Region) -> Path:
    return region.folder / "plan"


def workbook(region: Region) -> Path:
    """The last plan as a workbook (a sheet a table), written by the job."""
    return plan_folder(region) / "plan.xlsx"


def forecast_held(region: Region) -> dict:
    """The regional forecast the store holds (its runs and years), or SufficiencyError with the
    sentence saying what to do first; StoreError when the store is being written."""
    from ..region.store import connect, councils, tables

    if not region.store.exists():
        raise SufficiencyError("The region's store holds no council's share yet: import the shares, then run the "
                               "regional forecast, before planning.")
    con = connect(region.store, read_only=True)
    try:
        held, names = councils(con), tables(con)
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall()) if "meta" in names else {}
    finally:
        con.close()
    if held.empty:
        raise SufficiencyError("The region's store holds no council's share yet: import the shares first.")
    lacking = [r.name for r in held.itertuples() if "planning" not in str(r.uses).split(",")]
    if lacking:
        raise SufficiencyError(f"The shares of {', '.join(lacking)} were not imported for planning: the agreement and "
                               "the region's uses (admin pages) must cover planning, and the shares be imported again.")
    settings = json.loads(meta.get("region_forecast", "{}"))
    if RUNS not in names or not settings:
        raise SufficiencyError("There is no regional forecast yet: a plan is made against the regional forecast's "
                               "runs, so run the regional forecast on the region's page first.")
    if settings.get("shares") != dict(zip(held["council"], held["share"], strict=True)):
        raise SufficiencyError("The regional forecast was made from other shares than those the store holds now: "
                               "run the regional forecast again first.")
    return {"runs": int(settings.get("runs", 0)), "years": int(settings.get("years", 0))}


def _within(options, forecast: dict, name: str) -> None:
    """Refuse a plan asking for more futures or years than the regional forecast holds."""
    for key, unit, label in (("scenarios", "runs", "futures"), ("years", "years", "years")):
        asked, held = getattr(options, key), forecast[unit]
        if asked > held:
            raise uploads.Refused(f"{name}: {key}: {asked} {label} asked for, but the regional forecast holds "
                                    f"{held} {unit}; ask for at most {held}, or run the regional forecast again "
                                    f"with {asked} {unit}.")


def _page(request, region, refused: str = "", status: int = 200):
    context = {"region": region, "refused": refused, "plan": workbook(region).exists()}
    try:
        context["forecast"] = held = forecast_held(region)
        defaults = {"years": str(min(5, held["years"])), "scenarios": str(min(100, held["runs"]))}
    except StoreError:
        context["busy"], defaults = True, {}
    except SufficiencyError as exc:
        context["missing"], defaults = str(exc), {}
    context["plan_fields"] = plan_form.shown(request.POST if request.method == "POST" else None, defaults)
    context["jobs"] = Job.objects.filter(council__isnull=True, kind=KIND)[:5]
    return render(request, "web/region_plan.html", context, status=status)


@regional_page()
def planner(request, region):
    """The planner's form (GET), or the plan job made from it (POST)."""
    needs_region(region)
    if request.method != "POST":
        return _page(request, region)
    try:
        name, text, options = plan_form.plan_options(request)
        _within(options, forecast_held(region), name if request.FILES.get("options") else "The plan")
    except StoreError:
        refused = "The region's store is being written by a job: plan once it is done."
    except SufficiencyError as exc:
        refused = str(exc)
    else:
        kept = uploads.keep(plan_folder(region) / "options", name, text)
        job = Job.objects.create(council=None, kind=KIND, created_by=request.user, options={"options": kept})
        audit(request, "run regional plan", detail=f"job {job.pk}: {options.model_dump(exclude={'file'})}")
        return redirect("region_job", job.pk)
    audit(request, "run regional plan", allowed=False, detail=f"refused: {refused}")
    return _page(request, region, refused=refused, status=400)


def work(job: Job, region: Region, progress) -> str:
    """The worker's part: the library's plan on the region's store (held for writing), the plan as
    a workbook, and the regional report written again; the sentences saying what it found."""
    from .region_work import in_words, store_lock, write_report

    options = Path(job.options["options"])
    new = plan_folder(region) / f".new-{job.pk}-plan.xlsx"
    try:
        with store_lock(region):
            try:
                result = api.plan(api.PlanCommandOptions(db=region.store, options=options, out=new), progress)
            except SufficiencyError as exc:
                raise SufficiencyError(in_words(in_words(exc, region.store), options)) from None
            os.replace(new, workbook(region))
            Job.objects.filter(pk=job.pk).update(step="writing the regional report", heartbeat=timezone.now())
            write_report(region)
    finally:
        new.unlink(missing_ok=True)
    return " ".join(result.notes[:3])


def current_plan(region: Region) -> dict:
    """What the result page shows of the plan the store holds: the report's section (text and
    tables), the picture, or the limits that must give; {} when the store holds no plan."""
    from ..plan.picture import plan_svg
    from ..report.plan import plan_section
    from ..store import Store

    with Store(region.store) as store:
        info = store.meta().get("plan", {})
        if info.get("status") == "infeasible" and "plan_slack" in store.names:
            return {"infeasible": True, "slack": store.table("plan_slack").to_dict("records")}
        section = plan_section(store, region=True)
        if section is None:
            return {}
        shown = {"text": [t for t in section.text if t], "tables": section.tables,
                 "current": "plan_decisions" in store.names}
        if shown["current"] and "plan_councils" in store.names:
            shown["picture"] = plan_svg(store.table("plan_councils"), store.table("plan_decisions"))
        shown["options"] = info.get("options", {})
        return shown


@regional_page()
def result(request, region):
    """The plan the region's store holds, as the regional report's plan section shows it."""
    needs_region(region)
    context = {"region": region}
    try:
        context["shown"] = current_plan(region) if region.store.exists() else {}
    except StoreError:
        context["busy"] = True
    context["download"] = bool(context.get("shown", {}).get("current")) and workbook(region).exists()
    return render(request, "web/region_plan_result.html", context)


@regional_page("download regional plan", audited=True)
def result_file(request, region):
    """The plan as a workbook, while the store's plan is the one it holds."""
    needs_region(region)
    try:
        shown = current_plan(region) if region.store.exists() else {}
    except StoreError:
        shown = {}
    if not shown.get("current") or not workbook(region).exists():
        raise Http404("The region has no current plan: run the planner first.")
    return FileResponse(workbook(region).open("rb"), filename="region-plan.xlsx", as_attachment=True)


urlpatterns = [
    path("plan/", planner, name="region_plan"),
    path("plan/result/", result, name="region_plan_result"),
    path("plan.xlsx", result_file, name="region_plan_file"),
]
