"""Backtest, compare and plan jobs, and at most one running job per council, held by the
database: a unique index over the running jobs' councils, so two workers claiming at the same
moment cannot both start one of the same council (jobs.claim)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("web", "0003_roles")]
    operations = [
        migrations.AlterField(
            model_name="job", name="kind",
            field=models.CharField(choices=[("load", "Load returns"), ("forecast", "Forecast"),
                                            ("backtest", "Backtest"), ("compare", "Compare reforms"),
                                            ("plan", "Capacity plan")], max_length=20)),
        migrations.AddConstraint(
            model_name="job",
            constraint=models.UniqueConstraint(condition=models.Q(status="running"), fields=("council",),
                                               name="one_running_job_per_council")),
    ]
