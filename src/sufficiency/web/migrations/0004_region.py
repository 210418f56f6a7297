"""The region and its agreement; jobs of no council (the region's); and row-level security on
the job table that lets the regional scope ('region', a regional analyst's requests) see the
region's jobs and no council's, while a council's scope still sees only its own rows."""

import django.db.models.deletion
from django.db import migrations, models

OLD = ("current_setting('app.council', true) = '*' "
       "OR council_id::text = current_setting('app.council', true)")
NEW = f"{OLD} OR (council_id IS NULL AND current_setting('app.council', true) = 'region')"


def policy(rule: str) -> str:
    return f"DROP POLICY council_scope ON web_job; CREATE POLICY council_scope ON web_job USING ({rule}) WITH CHECK ({rule});"


class Migration(migrations.Migration):

    dependencies = [
        ('web', '0003_roles'),
    ]

    operations = [
        migrations.CreateModel(
            name='Region',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text="As the agreement's `region` says it, such as Greater Manchester.", max_length=100, unique=True)),
                ('agreement', models.TextField(blank=True, help_text='The data-sharing agreement as YAML (docs/how-to/regional.md); raise its version whenever it changes.')),
                ('uses', models.CharField(default='indicators', help_text='What shares are imported for, comma-separated: indicators, forecast, planning.', max_length=60)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ['name'],
            },
        ),
        migrations.AlterField(
            model_name='job',
            name='council',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='web.council'),
        ),
        migrations.AlterField(
            model_name='job',
            name='kind',
            field=models.CharField(choices=[('load', 'Load returns'), ('forecast', 'Forecast'), ('share', 'Share with the region'), ('region_forecast', 'Regional forecast')], max_length=20),
        ),
        migrations.RunSQL(policy(NEW), policy(OLD)),
    ]
