"""The fixture is built from the source texts, quotes them verbatim, and loads idempotently."""

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from organisations import fixture
from organisations.models import Affiliation, Organisation, Source, Statement

COMMITTED = json.loads(fixture.FIXTURE.read_text(encoding="utf-8"))


def records_with_excerpts():
    return [obj for obj in COMMITTED if "excerpt" in obj["fields"]]


def source_texts():
    """The source files as kept under fixtures/sources/, by the slug the fixture gives them."""
    return {
        obj["fields"]["slug"]: (settings.SOURCES_DIR / obj["fields"]["filename"]).read_text(
            encoding="utf-8"
        )
        for obj in COMMITTED
        if obj["model"] == "organisations.source"
    }


@pytest.mark.parametrize(
    "record",
    records_with_excerpts(),
    ids=lambda r: f"{r['model']}:{'/'.join(r['fields']['organisation'])}/{r['fields']['key']}",
)
def test_every_excerpt_appears_verbatim_in_its_source_file(record):
    texts = source_texts()
    (source,) = record["fields"]["source"]
    assert record["fields"]["excerpt"] in texts[source]


def test_every_quoted_wording_appears_in_its_excerpt():
    for record in records_with_excerpts():
        fields = record["fields"]
        for name in ("text", "title", "quote", "description"):
            assert fields.get(name, "") in fields["excerpt"], (record["model"], fields["key"])


def test_sources_in_the_fixture_are_the_files_verbatim():
    texts = source_texts()
    for obj in COMMITTED:
        if obj["model"] == "organisations.source":
            assert obj["fields"]["text"] == texts[obj["fields"]["slug"]]
    assert len(texts) == 3


def test_the_committed_fixture_is_what_the_build_produces():
    assert fixture.dumps(fixture.build()) == fixture.FIXTURE.read_text(encoding="utf-8")


def test_the_fixture_uses_natural_keys_not_primary_keys():
    assert all("pk" not in obj for obj in COMMITTED)
    (mec_affiliate,) = [
        obj
        for obj in COMMITTED
        if obj["model"] == "organisations.affiliation"
        and obj["fields"]["kind"] == "national-affiliate-of"
    ]
    assert mec_affiliate["fields"]["organisation"] == ["music-education-council"]
    assert mec_affiliate["fields"]["other"] == ["isme"]


def test_every_organisation_the_texts_name_has_an_entry(db):
    names = set(Organisation.objects.values_list("name", flat=True))
    assert names == {
        "International Society for Music Education",
        "Music Education Council",
        "International Music Council",
        "UNESCO",
        "Royal Conservatoire of Scotland",
        "Music Mark",
        "Alliance for a Musically Inclusive England",
        "Youth Music",
        "National Lottery",
        "Arts Council England",
    }
    texts = "".join(Source.objects.values_list("text", flat=True))
    for name in names:
        assert name in texts


def test_every_organisation_cites_where_the_texts_name_it(db):
    for organisation in Organisation.objects.prefetch_related("citations__source"):
        citations = list(organisation.citations.all())
        assert citations, organisation
        for citation in citations:
            assert citation.excerpt in citation.source.text


def test_loading_twice_changes_nothing(db):
    before = fixture.dumps(fixture.export())
    counts = {model: model.objects.count() for model in (Organisation, Statement, Affiliation)}
    call_command("loaddata", "organisations", verbosity=0)
    assert fixture.dumps(fixture.export()) == before
    assert counts == {model: model.objects.count() for model in counts}


def test_loading_restores_what_an_editor_changed(db, isme):
    statement = isme.statements.get(kind="mission", is_intro=False, order=2)
    statement.text = "something else"
    statement.save()
    call_command("loaddata", "organisations", verbosity=0)
    statement.refresh_from_db()
    assert statement.text.startswith("building and maintaining a worldwide community")


def test_build_names_every_quotation_that_is_not_in_its_source(tmp_path):
    spec = fixture.SPEC.read_text(encoding="utf-8")
    broken = spec.replace("ISME respects all musics", "ISME respects most musics").replace(
        'text = "voting rights"', 'text = "free lunches"'
    )
    path = tmp_path / "directory.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(fixture.BuildError) as error:
        fixture.build(path)
    problems = "\n".join(error.value.problems)
    assert "organisation isme: statement “ISME respects most musics" in problems
    assert "organisation isme: member benefit “free lunches" in problems
    assert len(error.value.problems) == 2


def test_build_refuses_an_affiliation_to_an_unknown_organisation(tmp_path):
    spec = fixture.SPEC.read_text(encoding="utf-8")
    path = tmp_path / "directory.toml"
    path.write_text(spec.replace('other = "unesco"', 'other = "unicef"'), encoding="utf-8")
    with pytest.raises(fixture.BuildError, match="unknown organisation 'unicef'"):
        fixture.build(path)


def test_build_fixture_check_passes_on_the_committed_fixture():
    out = StringIO()
    call_command("build_fixture", "--check", stdout=out)
    assert "up to date" in out.getvalue()


def test_build_fixture_check_fails_on_a_stale_fixture(tmp_path):
    stale = tmp_path / "organisations.json"
    stale.write_text("[]\n", encoding="utf-8")
    with pytest.raises(CommandError, match="is not what"):
        call_command("build_fixture", "--check", "--output", str(stale))


def test_build_fixture_writes_the_fixture(tmp_path):
    output = tmp_path / "organisations.json"
    call_command("build_fixture", "--output", str(output), stdout=StringIO())
    assert output.read_text(encoding="utf-8") == fixture.FIXTURE.read_text(encoding="utf-8")


def test_build_fixture_reports_a_malformed_spec(tmp_path):
    path = tmp_path / "directory.toml"
    path.write_text("[[organisation]\nname = ", encoding="utf-8")
    with pytest.raises(CommandError, match=str(path)):
        call_command("build_fixture", "--spec", str(path), "--output", str(tmp_path / "x.json"))
    assert not (tmp_path / "x.json").exists()
