"""The regional jobs' kinds: the capacity plan (region_plan.py) and the import of share files
(region_import.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("web", "0005_jobs_and_region"),
    ]

    operations = [
        migrations.AlterField(
            model_name="job",
            name="kind",
            field=models.CharField(choices=[
                ("load", "Load returns"), ("forecast", "Forecast"), ("backtest", "Backtest"),
                ("compare", "Compare reforms"), ("plan", "Capacity plan"),
                ("share", "Share with the region"), ("region_forecast", "Regional forecast"),
                ("region_plan", "Regional capacity plan"), ("region_import", "Import shares")],
                max_length=20),
        ),
    ]
