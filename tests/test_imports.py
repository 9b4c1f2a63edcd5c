"""Importing organisations and records from a spreadsheet, as an editor does in the admin (a
preview of every row, then confirmation) and as an operator does on the command line."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from organisations.history import History
from organisations.models import Affiliation, Organisation, Statement
from tests.admin_forms import submitted
from tests.reading import content, read

pytestmark = pytest.mark.django_db

STATED = ["acronym", "scope", "status", "founded_year", "website", "email", "phone", "address"]
ORGANISATIONS = ["slug", "name", "acronym", "kind", "scope", "status", "founded_year", "website"]
ORGANISATIONS += ["email", "phone", "address", "summary", "description", "audiences", "themes"]
ORGANISATIONS += ["last_verified", "evidence_source", *(f"{field}_passage" for field in STATED)]


def spreadsheet(header, rows, crlf=True):
    """CSV text as a spreadsheet program saves it: CRLF row endings, quoted multi-line cells."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def organisation_row(slug, **values):
    row = dict.fromkeys(ORGANISATIONS, "")
    row.update(slug=slug, **values)
    return [row[name] for name in ORGANISATIONS]


def existing_row(slug):
    """An organisation as it is now, as its row of a spreadsheet."""
    org = Organisation.objects.get(slug=slug)
    values = {name: getattr(org, name, "") or "" for name in ORGANISATIONS}
    values["audiences"] = ";".join(org.audiences.values_list("slug", flat=True))
    values["themes"] = ";".join(org.themes.values_list("slug", flat=True))
    return [values[name] for name in ORGANISATIONS]


def changed(slug, **values):
    """The organisation's row, with `values` changed."""
    row = existing_row(slug)
    for name, value in values.items():
        row[ORGANISATIONS.index(name)] = value
    return row


def upload(client, model, name, data):
    """The preview page for `data` uploaded to `model`'s import page, as a browser posts it."""
    page = reverse(f"admin:organisations_{model}_import")
    formats = read(client.get(page)).one("select", name="format").find_all("option")
    (csv_format,) = [option.get("value") for option in formats if option.text == "csv"]
    return client.post(
        page,
        {"format": csv_format, "resource": "0", "import_file": SimpleUploadedFile(name, data)},
    )


def confirm(client, model, preview):
    """Press "Confirm import" on a preview page."""
    address = reverse(f"admin:organisations_{model}_process_import")
    form = read(preview).one("form", action=address)
    return client.post(address, dict(submitted(form)), follow=True)


def outcomes(preview):
    """[(line, outcome, column, error)] of a preview page."""
    table = read(preview).one("table", class_="import-preview").one("tbody")
    rows = []
    for row in table.find_all("tr"):
        line = row.one("th", scope="row").raw_text
        outcome, column, error = [cell.raw_text for cell in row.find_all("td")]
        rows.append((int(line), outcome, column, error))
    return rows


def test_the_import_page_offers_a_template_of_the_columns(admin_client):
    page = content(admin_client.get(reverse("admin:organisations_organisation_import")))
    template = reverse("admin:organisations_organisation_import_template")
    assert f'href="{template}"' in page
    response = admin_client.get(template)
    assert response["Content-Type"].startswith("text/csv")
    assert next(csv.reader(io.StringIO(response.content.decode()))) == ORGANISATIONS


def test_a_preview_gives_every_rows_outcome_and_every_error_by_row_and_column(admin_client):
    data = spreadsheet(
        ORGANISATIONS,
        [
            organisation_row("a-new-society", name="A New Society", kind="network"),
            existing_row("unesco"),
            changed("isme", last_verified="2026-11-30"),
            organisation_row("bad-year", name="Bad Year", kind="network", founded_year="3000"),
            organisation_row("bad-kind", name="Bad Kind", kind="a-kind-we-do-not-have"),
        ],
    )
    before = Organisation.objects.count()
    preview = upload(admin_client, "organisation", "organisations.csv", data)
    rows = outcomes(preview)
    assert (2, "new", "", "") in rows
    assert (3, "unchanged", "", "") in rows
    assert (4, "changed", "", "") in rows
    assert any(
        line == 5 and column == "founded_year" and "after this year" in error
        for line, _, column, error in rows
    )
    assert any(
        line == 6 and column == "kind" and "not a valid choice" in error
        for line, _, column, error in rows
    )
    assert "Confirm import" not in content(preview)
    assert Organisation.objects.count() == before  # nothing saved


def test_an_import_is_confirmed_recorded_and_a_second_changes_nothing(admin_client, client):
    data = spreadsheet(
        ORGANISATIONS,
        [
            organisation_row(
                "a-new-society", name="A New Society", kind="network", themes="research;policy",
                summary="First line.\r\nSecond line.",
            ),
            changed("isme", last_verified="2026-11-30"),
        ],
    )  # fmt: skip
    done = confirm(
        admin_client,
        "organisation",
        upload(admin_client, "organisation", "organisations.csv", data),
    )
    assert done.status_code == 200
    new = Organisation.objects.get(slug="a-new-society")
    assert new.summary == "First line.\nSecond line."  # LF, as everything is stored
    assert set(new.themes.values_list("slug", flat=True)) == {"research", "policy"}
    assert str(Organisation.objects.get(slug="isme").last_verified) == "2026-11-30"
    change = History(Organisation.objects.get(slug="isme")).changes[0]
    assert change.reason == "import organisations.csv" and change.user == "admin"
    assert "A New Society" in content(
        client.get("/organisations/?q=new+society")
    )  # searchable at once
    assert "A New Society" in content(client.get("/organisations/?q=societies"))  # stemmed

    again = upload(admin_client, "organisation", "organisations.csv", data)
    assert [outcome for _, outcome, _, _ in outcomes(again)] == ["unchanged", "unchanged"]


STATEMENTS = [
    "organisation",
    "key",
    "order",
    "kind",
    "title",
    "text",
    "is_intro",
    "source",
    "excerpt",
]


def test_records_are_imported_with_their_excerpts_checked_and_unknown_organisations_named(
    admin_client,
):
    source_text = Organisation.objects.get(slug="music-mark").statements.first().source.text
    start = source_text.index("We call upon key decision makers")
    passage = source_text[start : source_text.index("music education hubs\n", start) + 20]
    rows = [
        [
            "music-mark",
            "",
            "9",
            "call-to-action",
            "",
            "continuing and enhanced support",
            "",
            "music-mark-about-us",
            passage,
        ],
        ["music-mark", "", "9", "aim", "", "Invented.", "", "music-mark-about-us", "Invented."],
        ["no-such-organisation", "", "1", "aim", "", "Text", "", "music-mark-about-us", passage],
    ]
    preview = upload(admin_client, "statement", "statements.csv", spreadsheet(STATEMENTS, rows))
    problems = {(line, column): error for line, _, column, error in outcomes(preview) if error}
    assert "does not appear verbatim in the source" in problems[(3, "excerpt")]
    assert problems[(4, "organisation")] == "No organisation with the slug “no-such-organisation”."
    assert (2, "") not in problems

    good = spreadsheet(STATEMENTS, rows[:1])
    confirm(admin_client, "statement", upload(admin_client, "statement", "statements.csv", good))
    saved = Statement.objects.get(
        organisation__slug="music-mark", text="continuing and enhanced support"
    )
    assert saved.excerpt == passage and saved.key
    again = upload(admin_client, "statement", "statements.csv", good)
    assert [outcome for _, outcome, _, _ in outcomes(again)] == ["unchanged"]


def test_affiliations_import_and_show_on_both_pages(admin_client, client):
    header = ["organisation", "key", "order", "kind", "other", "qualifier", "source", "excerpt"]
    excerpt = "The Music Education Council is the International Society for Music Education"
    row = ["unesco", "", "1", "partner-of", "music-mark", "", "mec-isme", excerpt]
    confirm(
        admin_client,
        "affiliation",
        upload(admin_client, "affiliation", "a.csv", spreadsheet(header, [row])),
    )
    assert Affiliation.objects.filter(
        organisation__slug="unesco", other__slug="music-mark"
    ).exists()
    assert "Partner of" in content(client.get("/organisations/unesco/"))
    assert "Partner: " in content(client.get("/organisations/music-mark/"))


def test_the_command_line_previews_with_dry_run_then_imports(tmp_path):
    path = tmp_path / "organisations.csv"
    path.write_bytes(
        spreadsheet(
            ORGANISATIONS,
            [
                organisation_row(
                    "from-the-command-line", name="From the Command Line", kind="network"
                ),
                organisation_row("bad-year", name="Bad Year", kind="network", founded_year="3000"),
            ],
        )
    )
    out = io.StringIO()
    with pytest.raises(Exception, match="1 row has errors"):
        call_command("import_records", "organisation", str(path), "--dry-run", stdout=out)
    assert "row 2: new" in out.getvalue()
    assert (
        "row 3: error: founded_year: The founding year cannot be after this year" in out.getvalue()
    )
    assert not Organisation.objects.filter(slug="from-the-command-line").exists()

    path.write_bytes(
        spreadsheet(
            ORGANISATIONS,
            [
                organisation_row(
                    "from-the-command-line", name="From the Command Line", kind="network"
                )
            ],
        )
    )
    out = io.StringIO()
    call_command("import_records", "organisation", str(path), "--dry-run", stdout=out)
    assert "Dry run: nothing was saved" in out.getvalue()
    assert not Organisation.objects.filter(slug="from-the-command-line").exists()
    call_command("import_records", "organisation", str(path), stdout=io.StringIO())
    imported = Organisation.objects.get(slug="from-the-command-line")
    assert History(imported).changes[0].reason == "import organisations.csv"


def test_the_command_line_shows_its_progress_on_a_terminal_and_nothing_with_verbosity_0(
    tmp_path, terminal
):
    path = tmp_path / "organisations.csv"
    rows = [organisation_row(f"imported-{n}", name=f"Imported {n}", kind="network") for n in "abc"]
    path.write_bytes(spreadsheet(ORGANISATIONS, rows))
    out = terminal()
    call_command("import_records", "organisation", str(path), stdout=out)
    assert "Checking organisations.csv: 100%" in out.getvalue()
    assert "Importing organisations.csv: 100%" in out.getvalue()

    out = terminal()
    call_command("import_records", "organisation", str(path), stdout=out, verbosity=0)
    assert out.getvalue() == ""


def test_a_stated_value_is_imported_with_the_passage_that_states_it_or_refused(admin_client):
    """As in the admin: a stated field needs a passage that says its value."""
    passage = "In 2016 the World Conference was held in the UK"
    data = spreadsheet(
        ORGANISATIONS,
        [
            organisation_row("without-passage", name="Without Passage", founded_year="2016"),
            organisation_row(
                "wrong-passage",
                name="Wrong Passage",
                founded_year="1990",
                evidence_source="mec-isme",
                founded_year_passage=passage,
            ),
            organisation_row(
                "no-source", name="No Source", founded_year="2016", founded_year_passage=passage
            ),
            organisation_row(
                "with-passage",
                name="With Passage",
                founded_year="2016",
                evidence_source="mec-isme",
                founded_year_passage=passage,
            ),
        ],
    )
    rows = outcomes(upload(admin_client, "organisation", "organisations.csv", data))
    problems = {line: (column, error) for line, _, column, error in rows if error}
    assert len(problems) == sum(1 for row in rows if row[3])  # one error a row
    assert problems[2][0] == "founded_year" and "No citation supports" in problems[2][1]
    assert problems[3] == (
        "founded_year_passage",
        "This passage does not say “1990”, the organisation's founded year.",
    )
    assert problems[4][0] == "founded_year_passage" and "evidence_source" in problems[4][1]
    assert 5 not in problems

    data = spreadsheet(ORGANISATIONS, [organisation_row("with-passage", **dict(zip(
        ["name", "founded_year", "evidence_source", "founded_year_passage"],
        ["With Passage", "2016", "mec-isme", passage], strict=True,
    )))])  # fmt: skip
    confirm(admin_client, "organisation", upload(admin_client, "organisation", "o.csv", data))
    imported = Organisation.objects.get(slug="with-passage")
    assert imported.founded_year == 2016
    assert imported.citations.get(supports="founded_year").excerpt == passage
