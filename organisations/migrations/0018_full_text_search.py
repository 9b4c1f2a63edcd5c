"""Full-text search on SQLite too (FTS5), and prefixes that survive stemming on PostgreSQL.

See organisations/search_index.py. On SQLite: the FTS5 index, the directory's words and their
trigram index, filled from the organisations as they are. On PostgreSQL: every search vector
rebuilt in its new form (stemmed, then as written). Either way, run `manage.py refresh_search`
once after upgrading: it rewrites every search document in its new form (with the labels, and
each field named for the snippets).

`SearchEntry` is unmanaged: the ORM's view of the FTS5 table, created here on SQLite only.
`SearchName`: the names as type-ahead finds them, on both.
"""

import django.db.models.deletion
from django.db import migrations, models

import organisations.search_index

SQLITE_FORWARDS = [
    "CREATE VIRTUAL TABLE organisations_search USING fts5("
    "name, acronym, labels, main, rest, tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE TABLE organisations_searchword (word text PRIMARY KEY)",
    "CREATE VIRTUAL TABLE organisations_searchword_trigrams USING fts5("
    "word, tokenize = 'trigram', detail = 'none')",
]
SQLITE_BACKWARDS = [
    "DROP TABLE IF EXISTS organisations_searchword_trigrams",
    "DROP TABLE IF EXISTS organisations_searchword",
    "DROP TABLE IF EXISTS organisations_search",
]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        for statement in SQLITE_FORWARDS:
            schema_editor.execute(statement)
    Organisation = apps.get_model("organisations", "Organisation")
    ids = list(Organisation.objects.using(connection.alias).values_list("pk", flat=True))
    organisations.search_index.index(connection.alias, Organisation, ids)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_BACKWARDS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0017_dated_affiliations_and_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "organisation",
                    models.OneToOneField(
                        db_column="rowid",
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_entry",
                        serialize=False,
                        to="organisations.organisation",
                    ),
                ),
                (
                    "document",
                    organisations.search_index.DocumentField(db_column="organisations_search"),
                ),
            ],
            options={
                "db_table": "organisations_search",
                "managed": False,
            },
        ),
        migrations.CreateModel(
            name="SearchName",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("term", models.CharField(max_length=200)),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="search_names",
                        to="organisations.organisation",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["position", "term"], name="searchname_term")],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
