"""The regional pages, and the council page's "Share with the region".

Each regional page is wrapped by `regional_page`, which lets in only a user holding
`view_regional` (a regional analyst or an administrator) and writes refusals to the audit log;
withdrawing a council is for administrators only. None of these pages reads a council's store:
they read the region's store, which holds the councils' shares (pseudonymised, limited to the
agreement), through the library. The work is done in region_work.py, by the worker for a share
sent from a council's page, for share files uploaded here (region_import.py) and for the
regional forecast.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from .. import api
from ..errors import OptionError, StoreError, SufficiencyError
from . import region_import, region_work, uploads
from .headers import report_document
from .models import Job
from .regions_models import Region
from .roles import audit, council_page, needs_region, regional_page

FORECAST_RUNS = 200  # the web's default, as for a council's forecast; the CLI's is 1000


@regional_page()
def home(request, region):
    return _home(request, region)


def _home(request, region, refused: str = "", status: int = 200):
    context = {"region": region, "refused": refused, "runs": FORECAST_RUNS,
               "administrator": request.user.is_superuser}
    if region is not None:
        try:
            agreement = region.parsed()
            context.update(agreement=agreement, members=agreement.councils)
        except SufficiencyError as exc:
            context["agreement_error"] = str(exc)
        try:
            context.update(shared=[region_work.for_page(row) for row in region_work.shared(region).to_dict("records")],
                           history=region_work.history(region).to_dict("records"))
        except StoreError:
            context["busy"] = True
        context.update(report=region.report_file.exists(), jobs=Job.objects.filter(council__isnull=True)[:10])
    return render(request, "web/region.html", context, status=status)


@require_POST
@regional_page()
def upload(request, region):
    """Keep the uploaded share files in the region's folder and queue their import (region_import.py)."""
    needs_region(region)
    given = request.FILES.getlist("share")
    try:
        uploads.check_size(request.META.get("CONTENT_LENGTH"))
        if not given:
            raise uploads.Refused("Choose one or more .share files to import.")
    except uploads.Refused as exc:
        audit(request, "import share", allowed=False, detail=f"refused: {exc}")
        return _home(request, region, refused=str(exc), status=400)
    files = region_import.stage(region, given)
    job = Job.objects.create(council=None, kind="region_import", created_by=request.user, options={"files": files})
    audit(request, "queue share import", detail=f"job {job.pk}: " + ", ".join(f["name"] for f in files))
    return redirect("region_job", job.pk)


@require_POST
@regional_page("run regional forecast", audited=True)
def forecast(request, region):
    needs_region(region)
    try:
        options = api.RegionForecastOptions(db=region.store, years=request.POST.get("years", 5),
                                            runs=request.POST.get("runs", FORECAST_RUNS))
    except OptionError as exc:
        messages.error(request, f"The regional forecast's {exc.option} {exc.problem}")
        return redirect("region")
    if not region.report_file.exists():
        messages.error(request, "The region's store holds no council's share yet: import shares before forecasting.")
        return redirect("region")
    job = Job.objects.create(council=None, kind="region_forecast", created_by=request.user,
                             options={"years": options.years, "runs": options.runs})
    return redirect("region_job", job.pk)


@regional_page()
def job(request, region, pk: int):
    record = get_object_or_404(Job, pk=pk, council__isnull=True)
    return render(request, "web/region_job.html", {"region": region, "job": record,
                                                   "percent": round(100 * record.progress)})


@regional_page()
def report(request, region):
    needs_region(region)
    if not region.report_file.exists():
        raise Http404("The region has no report yet: import the councils' shares first.")
    return render(request, "web/region_report.html", {"region": region})


@regional_page()
def report_file(request, region):
    needs_region(region)
    if not region.report_file.exists():
        raise Http404("The region has no report yet: import the councils' shares first.")
    slug = re.sub(r"[^a-z0-9]+", "-", region.name.lower()).strip("-")
    return report_document(FileResponse(region.report_file.open("rb"), filename=f"{slug}-region.html"))


@require_POST
@regional_page("withdraw council", administrator=True)
def withdraw(request, region, code: str):
    needs_region(region)
    try:
        done = region_work.withdraw(region, code)
    except SufficiencyError as exc:
        audit(request, "withdraw council", allowed=False, detail=f"refused: {exc}")
        messages.error(request, str(exc).replace(str(region.store), "the region's store"))
        return redirect("region")
    audit(request, "withdraw council", council=region_work.council_named(done.council),
          detail=f"{done.name} ({done.council}): {done.rows:,} rows deleted from the region's store")
    messages.success(request, f"{done.name} was withdrawn: {done.rows:,} rows deleted from the region's store; "
                              "the regional forecast made with its share is gone too.")
    return redirect("region")


@require_POST
@council_page("run_jobs", "run share")
def share(request, council):
    """Queue the council's share with the region, after the checks a person can act on at once."""
    region = Region.current()
    refused = None
    if region is None:
        refused = "No region is set up on this server, so there is nobody to share with yet."
    else:
        try:
            agreement = region.parsed()
        except SufficiencyError as exc:
            agreement, refused = None, f"The region's agreement cannot be read: {exc}"
        if agreement is not None and agreement.member(council.code) is None:
            refused = (f"{council.name} is not a member council of {agreement.region} under its agreement "
                       f"version {agreement.version}, so it cannot share with the region.")
        elif agreement is not None and not council.store.exists():
            refused = "Load the council's returns before sharing them."
    if refused:
        audit(request, "share", council=council, allowed=False, detail=f"refused: {refused}")
        messages.error(request, refused)
        return redirect("council", council.code)
    job = Job.objects.create(council=council, kind="share", created_by=request.user)
    return redirect("job", council.code, job.pk)


urlpatterns = [
    path("", home, name="region"),
    path("upload/", upload, name="region_upload"),
    path("forecast/", forecast, name="region_forecast"),
    path("jobs/<int:pk>/", job, name="region_job"),
    path("report/", report, name="region_report"),
    path("report.html", report_file, name="region_report_file"),
    path("withdraw/<str:code>/", withdraw, name="region_withdraw"),
]
