"""Each record table keeps one index fewer or two: the unique constraint on (organisation,
key) already finds an organisation's records and a record by its key, so the separate indexes
on `organisation` and on `key` only cost every write (20 to 30% of a bulk insert). The history
tables keep their index on the organisation (they have no such constraint)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0019_search_index_without_marked_copies"),
    ]

    operations = [
        migrations.AlterField(
            model_name="affiliation",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="affiliation",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="%(class)ss",
                to="organisations.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="areaserved",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="areaserved",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="areas_served",
                to="organisations.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="citation",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="citation",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="%(class)ss",
                to="organisations.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="historicalaffiliation",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="historicalareaserved",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="historicalcitation",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="historicalidentifier",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="historicalkeyfigure",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="historicalmemberbenefit",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="historicalothername",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="historicalprogramme",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="historicalrole",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="historicalstatement",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="identifier",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="identifier",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="identifiers",
                to="organisations.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="keyfigure",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="keyfigure",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="key_figures",
                to="organisations.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="memberbenefit",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="memberbenefit",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="benefits",
                to="organisations.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="othername",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="othername",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="other_names",
                to="organisations.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="programme",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="programme",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="%(class)ss",
                to="organisations.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="role",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="role",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="%(class)ss",
                to="organisations.organisation",
            ),
        ),
        migrations.AlterField(
            model_name="statement",
            name="key",
            field=models.SlugField(blank=True, db_index=False, editable=False, max_length=60),
        ),
        migrations.AlterField(
            model_name="statement",
            name="organisation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="%(class)ss",
                to="organisations.organisation",
            ),
        ),
    ]
