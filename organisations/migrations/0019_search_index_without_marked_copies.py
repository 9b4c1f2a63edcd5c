"""On SQLite, the FTS5 index keeps each organisation's text once (it kept it twice, the second
copy with every word marked so that the stemmer left it whole): a prefix typed past a word's
stem is now found through the directory's words, as on PostgreSQL (organisations/search.py,
find_corrections). Re-indexing every organisation writes the index in its new form.
Nothing changes on PostgreSQL."""

from django.db import migrations

import organisations.search_index


def reindex(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    Organisation = apps.get_model("organisations", "Organisation")
    ids = list(Organisation.objects.using(connection.alias).values_list("pk", flat=True))
    organisations.search_index.index(connection.alias, Organisation, ids)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0018_full_text_search"),
    ]

    operations = [migrations.RunPython(reindex, migrations.RunPython.noop)]
