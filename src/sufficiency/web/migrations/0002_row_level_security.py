"""Row-level security on the council-scoped tables: a connection sees, adds and changes only
the rows of the council named by its `app.council` setting (an id; '*' for every council;
unset or '' for none). FORCE makes it hold for the tables' owner too, which is the role the
application connects as."""

from django.db import migrations

TABLES = ("web_upload", "web_job")
RULE = ("current_setting('app.council', true) = '*' "
        "OR council_id::text = current_setting('app.council', true)")


def forwards(table: str) -> str:
    return (f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; ALTER TABLE {table} FORCE ROW LEVEL SECURITY; "
            f"CREATE POLICY council_scope ON {table} USING ({RULE}) WITH CHECK ({RULE});")


def backwards(table: str) -> str:
    return f"DROP POLICY council_scope ON {table}; ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; " \
           f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"


class Migration(migrations.Migration):
    dependencies = [("web", "0001_initial")]
    operations = [migrations.RunSQL(forwards(t), backwards(t)) for t in TABLES]
