"""The pages. Each council page is wrapped by `roles.council_page`, which checks the user's
role for that council on the server and writes the audit log; the work is done by
`sufficiency.api` (validate here, load and forecast in the worker) and the report builder.
"""

from __future__ import annotations

import shutil

from django.contrib import messages
from django.contrib.auth import views as auth
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .. import api
from ..errors import OptionError, SufficiencyError
from . import uploads
from .accounts import SignInForm, password_changed
from .headers import report_document
from .models import REPORT_FILES, Council, Job, Upload
from .roles import audit, council_of, council_page, may, role_of

SHOWN_ISSUES = 500  # rows of a validation report shown in the page
FORECAST_RUNS = 200  # the web's default: enough for a first look; the CLI's default is 1000


class SignIn(auth.LoginView):
    template_name = "web/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class PasswordChange(auth.PasswordChangeView):
    template_name = "web/password_change.html"
    success_url = "/"

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed(self.request)
        messages.success(self.request, "Your password was changed.")
        return response


@login_required
def home(request):
    user = request.user
    councils = Council.objects.all() if user.is_superuser else [c for c in [council_of(user)] if c]
    return render(request, "web/home.html", {"councils": councils, "role": role_of(user)})


@council_page("view_report")
def council(request, council):
    user = request.user
    return render(request, "web/council.html", {
        "council": council, "loaded": council.store.exists(),
        "report": council.report_file("html", False).exists(),
        "analyst": may(user, "view_child_level", council),
        "uploads": Upload.objects.filter(council=council)[:10] if may(user, "upload_returns", council) else [],
        "jobs": Job.objects.filter(council=council)[:10] if may(user, "run_jobs", council) else [],
        "runs": FORECAST_RUNS,
    })


@council_page("upload_returns")
def upload(request, council):
    if request.method != "POST":
        return render(request, "web/upload.html", {"council": council, "limits": uploads})
    try:
        uploads.check_size(request.META.get("CONTENT_LENGTH"))
        files = request.FILES.getlist("files")
        uploads.screen(files)
        staged = uploads.stage(files)
    except uploads.Refused as exc:
        audit(request, "upload", council=council, allowed=False, detail=f"refused: {exc}")
        return render(request, "web/upload.html", {"council": council, "limits": uploads, "refused": str(exc)},
                      status=400)
    try:
        result = api.validate(api.ValidateOptions(path=staged, la=council.code))
    except SufficiencyError as exc:
        shutil.rmtree(staged, ignore_errors=True)
        said = uploads.unstaged(str(exc), staged)
        audit(request, "upload", council=council, allowed=False, detail=f"refused: {said}")
        return render(request, "web/upload.html", {"council": council, "limits": uploads, "refused": said},
                      status=400)
    issues = result.report.issues.assign(
        message=lambda f: f["message"].map(lambda m: uploads.unstaged(m, staged) if isinstance(m, str) else m))
    if (issues["code"] == "NO_TABLES").any():
        shutil.rmtree(staged, ignore_errors=True)
        names = ", ".join(f.name for f in files)
        refused = f"No 903 table was found in {names}: nothing was kept. " + " ".join(
            issues.loc[issues["code"].isin(["NO_TABLES", "FILE_SKIPPED", "FILE_UNREADABLE"]), "message"])
        audit(request, "upload", council=council, allowed=False, detail="refused: no 903 table")
        return render(request, "web/upload.html", {"council": council, "limits": uploads, "refused": refused},
                      status=400)
    record = Upload.objects.create(
        council=council, uploaded_by=request.user, files=[f.name for f in files],
        errors=len(result.report.errors), warnings=len(result.report.warnings),
        issues=issues.astype(object).where(issues.notna(), None).to_dict("records"))
    record.folder.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(staged, record.folder)
    audit(request, "upload", council=council, detail=f"upload {record.pk}: {', '.join(record.files)}")
    return redirect("upload_detail", council.code, record.pk)


@council_page("view_child_level", "view validation report")
def upload_detail(request, council, pk: int):
    record = get_object_or_404(Upload, pk=pk, council=council)
    return render(request, "web/upload_detail.html", {
        "council": council, "upload": record, "issues": record.issues[:SHOWN_ISSUES],
        "more": max(len(record.issues) - SHOWN_ISSUES, 0)})


@require_POST
@council_page("upload_returns", "run load")
def load(request, council, pk: int):
    record = get_object_or_404(Upload, pk=pk, council=council)
    job = Job.objects.create(council=council, kind="load", upload=record, created_by=request.user)
    return redirect("job", council.code, job.pk)


@require_POST
@council_page("run_jobs", "run forecast")
def forecast(request, council):
    try:
        options = api.ForecastOptions(db=council.store, years=request.POST.get("years", 3),
                                      runs=request.POST.get("runs", FORECAST_RUNS))
    except OptionError as exc:
        messages.error(request, f"The forecast's {exc.option} {exc.problem}")
        return redirect("council", council.code)
    if not council.store.exists():
        messages.error(request, "Load the council's returns before forecasting.")
        return redirect("council", council.code)
    job = Job.objects.create(council=council, kind="forecast", created_by=request.user,
                             options={"years": options.years, "runs": options.runs})
    return redirect("job", council.code, job.pk)


@council_page("run_jobs")
def job(request, council, pk: int):
    record = get_object_or_404(Job, pk=pk, council=council)
    return render(request, "web/job.html", {"council": council, "job": record,
                                            "percent": round(100 * record.progress)})


def _report_page(request, council, small: bool):
    if not council.report_file("html", small).exists():
        raise Http404("This council has no report yet: load its returns first.")
    return render(request, "web/report.html", {"council": council, "small": small,
                                               "analyst": may(request.user, "view_child_level", council)})


def _report_file(council, kind: str, small: bool):
    """A file of the report (a key of REPORT_FILES); HTML is shown, the others downloaded."""
    if kind not in REPORT_FILES or (kind.startswith("board") and small):
        raise Http404("The report comes as .html, .pdf or .xlsx.")
    path = council.report_file(kind, small)
    if not path.exists():
        raise Http404("This council has no report yet: load its returns first.")
    name = f"{council.code}-{'internal-' if small else ''}{path.name}"
    response = FileResponse(path.open("rb"), as_attachment=not kind.endswith("html"), filename=name)
    return report_document(response) if kind.endswith("html") else response


@council_page("view_report")
def report(request, council):
    return _report_page(request, council, small=False)


@council_page("view_child_level", "view report with small numbers")
def report_internal(request, council):
    return _report_page(request, council, small=True)


@council_page("view_report")
def report_file(request, council, kind: str):
    return _report_file(council, kind, small=False)


@council_page("view_child_level", "download report with small numbers")
def report_file_internal(request, council, kind: str):
    return _report_file(council, kind, small=True)
