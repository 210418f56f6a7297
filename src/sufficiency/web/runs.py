"""The pages that start a backtest, a comparison of reforms or a capacity plan as a job, and the
board paper's download.

Each form is checked here, before a job is made: options through the library's own option
models (`api.BacktestOptions`, `api.CompareOptions`), an uploaded reform through the strict
reform loader against the council's placement categories, a plan's options (the form's fields or
an uploaded options file) through the planner's strict options reader (plan_form.py); a problem is shown in the page and nothing is
kept. An uploaded file is kept in the council's folder (inputs/) for the worker to read.
"""

from __future__ import annotations

from django.shortcuts import redirect, render

from .. import api
from ..errors import OptionError, SufficiencyError
from . import plan_form
from .models import Job
from .plan_form import plan_options
from .roles import audit, council_page
from .uploads import Refused, keep, yaml_text
from .views import FORECAST_RUNS, _report_file

COMPARE_YEARS = 5


def _keep(council, name: str, text: str) -> str:
    """Write an uploaded file into the council's inputs folder; its path."""
    return keep(council.folder / "inputs", name, text)


def _categories(council):
    """The placement categories the council's returns were loaded with."""
    from ..parameters.categories import PlacementCategories
    from ..store import Store
    from ..store.data import stored_categories

    with Store(council.store) as store:
        return stored_categories(store.meta()) or PlacementCategories.load()


def _backtest(request, council) -> dict:
    options = api.BacktestOptions(db=council.store, runs=request.POST.get("runs", FORECAST_RUNS))
    return {"runs": options.runs}


def _compare(request, council) -> dict:
    from ..api.forecasts import scenarios_from
    from ..reforms.schema import example_names, parse_reform
    from ..yamlfile import parse_yaml

    chosen = [name for name in request.POST.getlist("examples") if name in example_names()]
    texts = [(f.name, yaml_text(f)) for f in request.FILES.getlist("reforms")]
    categories = _categories(council)
    for name, text in texts:
        parse_reform(parse_yaml(text, name), name, categories)
    scenarios = chosen + [_keep(council, name, text) for name, text in texts]
    if not scenarios:
        raise Refused("Choose at least one reform, or upload one.")
    if request.POST.get("together") and len(scenarios) > 1:
        scenarios.append("+".join(scenarios))
    options = api.CompareOptions(db=council.store, scenarios=tuple(scenarios),
                                 years=request.POST.get("years", COMPARE_YEARS),
                                 runs=request.POST.get("runs", FORECAST_RUNS))
    scenarios_from(options.scenarios, categories)  # two scenarios of one name are refused here
    return {"scenarios": list(options.scenarios), "years": options.years, "runs": options.runs}


def _plan(request, council) -> dict:
    name, text, _options = plan_options(request)
    return {"options": _keep(council, name, text)}


FORMS = {"backtest": _backtest, "compare": _compare, "plan": _plan}


@council_page("run_jobs")
def run(request, council, kind: str):
    """The form of one kind of job (GET), or the job made from it (POST)."""
    from ..reforms.schema import example_names

    if kind not in FORMS:
        return render(request, "web/run.html", {"council": council, "kind": "", "refused": "No such job."},
                      status=404)
    page = {"council": council, "kind": kind, "examples": example_names(), "runs": FORECAST_RUNS,
            "years": COMPARE_YEARS, "loaded": council.store.exists(),
            "plan_fields": plan_form.shown(request.POST if request.method == "POST" else None)}
    if request.method != "POST":
        return render(request, "web/run.html", page)
    try:
        if not page["loaded"]:
            raise Refused("Load the council's returns first.")
        options = FORMS[kind](request, council)
    except OptionError as exc:
        return render(request, "web/run.html", {**page, "refused": f"The {exc.option} {exc.problem}"}, status=400)
    except SufficiencyError as exc:
        return render(request, "web/run.html", {**page, "refused": str(exc)}, status=400)
    job = Job.objects.create(council=council, kind=kind, created_by=request.user, options=options)
    audit(request, f"run {kind}", council=council, detail=f"job {job.pk}: {options}")
    return redirect("job", council.code, job.pk)


@council_page("view_report")
def board_file(request, council, kind: str):
    """The board paper (suppressed), as HTML or PDF."""
    return _report_file(council, f"board.{kind}", small=False)
