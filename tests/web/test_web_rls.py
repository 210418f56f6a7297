"""The second wall, tested in SQL: row-level security on the council-scoped tables shows,
adds and changes only the rows of the council named by `app.council`."""

from __future__ import annotations

import pytest
from web_helpers import DARLINGTON, HARTLEPOOL, everything


@pytest.fixture
def two_jobs(people, councils):
    """A job of each council, made with every council in scope; removed afterwards."""
    from sufficiency.web.models import Job

    everything()
    made = [Job.objects.create(council=councils[code], kind="forecast", created_by=people["administrator"])
            for code in (HARTLEPOOL[0], DARLINGTON[0])]
    yield made
    everything()
    Job.objects.filter(pk__in=[j.pk for j in made]).delete()


def sql(query: str, params=()):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall() if cur.description else None


def test_the_application_role_is_subject_to_row_level_security(web):
    assert sql("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user") == [(False, False)]
    flags = dict(sql("SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class "
                     "WHERE relname IN ('web_upload', 'web_job')"))
    assert flags == {"web_upload": True, "web_job": True}


def test_a_connection_sees_only_its_councils_rows(two_jobs, councils):
    hart, darl = councils[HARTLEPOOL[0]], councils[DARLINGTON[0]]
    ids = [j.pk for j in two_jobs]
    seen = "SELECT council_id FROM web_job WHERE id = ANY(%s)"
    sql("SELECT set_config('app.council', %s, false)", [str(hart.pk)])
    assert sql(seen, [ids]) == [(hart.pk,)]
    sql("SELECT set_config('app.council', %s, false)", [str(darl.pk)])
    assert sql(seen, [ids]) == [(darl.pk,)]
    for nobody in ("", "not a council"):
        sql("SELECT set_config('app.council', %s, false)", [nobody])
        assert sql(seen, [ids]) == []
    sql("RESET app.council")
    assert sql(seen, [ids]) == []
    # another council's rows cannot be changed or deleted either
    sql("SELECT set_config('app.council', %s, false)", [str(hart.pk)])
    sql("UPDATE web_job SET step = 'changed' WHERE id = ANY(%s)", [ids])
    sql("DELETE FROM web_job WHERE id = %s", [ids[1]])
    everything()
    assert sorted(sql("SELECT council_id, step FROM web_job WHERE id = ANY(%s)", [ids])) == sorted(
        [(hart.pk, "changed"), (darl.pk, "")])


def test_a_row_for_another_council_cannot_be_written(two_jobs, councils, people):
    from django.db import DatabaseError, transaction

    hart, darl = councils[HARTLEPOOL[0]], councils[DARLINGTON[0]]
    sql("SELECT set_config('app.council', %s, false)", [str(hart.pk)])
    with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        sql("INSERT INTO web_upload (council_id, uploaded_by_id, uploaded_at, files, errors, warnings, issues) "
            "VALUES (%s, %s, now(), '[]', 0, 0, '[]')", [darl.pk, people["administrator"].pk])
    with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
        sql("UPDATE web_job SET council_id = %s WHERE id = %s", [darl.pk, two_jobs[0].pk])
