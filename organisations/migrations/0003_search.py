"""Search documents; on PostgreSQL, their GIN index, pg_trgm and the table of known words.

See organisations/search.py. The PostgreSQL-only parts are no-ops on other databases.
"""

import django.contrib.postgres.search
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

POSTGRES_FORWARDS = [
    "CREATE INDEX organisations_search_vector_gin "
    "ON organisations_organisation USING gin (search_vector)",
    "CREATE TABLE organisations_searchword (word text PRIMARY KEY)",
    "CREATE INDEX organisations_searchword_trgm "
    "ON organisations_searchword USING gin (word gin_trgm_ops)",
]
POSTGRES_BACKWARDS = [
    "DROP TABLE IF EXISTS organisations_searchword",
    "DROP INDEX IF EXISTS organisations_search_vector_gin",
]


def run_on_postgres(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0002_editors_group"),
    ]

    operations = [
        TrigramExtension(),
        migrations.AddField(
            model_name="organisation",
            name="search_text",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="organisation",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(
            run_on_postgres(POSTGRES_FORWARDS), run_on_postgres(POSTGRES_BACKWARDS)
        ),
    ]
