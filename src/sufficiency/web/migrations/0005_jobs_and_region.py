"""Joins the job kinds of 0003_jobs (backtest, compare, plan) and 0004_region (share, the
regional forecast), made on two branches at once."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("web", "0003_jobs"),
        ("web", "0004_region"),
    ]

    operations = [
        migrations.AlterField(
            model_name="job",
            name="kind",
            field=models.CharField(choices=[
                ("load", "Load returns"), ("forecast", "Forecast"), ("backtest", "Backtest"),
                ("compare", "Compare reforms"), ("plan", "Capacity plan"),
                ("share", "Share with the region"), ("region_forecast", "Regional forecast")],
                max_length=20),
        ),
    ]
