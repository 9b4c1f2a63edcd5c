"""The operator's command line: checking, exporting and (re)loading the directory."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from organisations import fixture
from organisations.models import Affiliation, Audience, Organisation, Source, Theme
from tests import factories

pytestmark = pytest.mark.django_db


def committed():
    return json.loads(fixture.FIXTURE.read_text(encoding="utf-8"))


def write(path, objects):
    path.write_text(fixture.dumps(objects), encoding="utf-8")
    return path


def empty_the_directory():
    for model in (Organisation, Source, Audience, Theme):
        model.objects.all().delete()


def test_check_sources_passes_on_the_committed_fixture():
    out = StringIO()
    call_command("check_sources", stdout=out)
    assert "excerpts appear verbatim" in out.getvalue()


def test_check_sources_reports_every_excerpt_not_found_naming_file_and_record(tmp_path):
    objects = committed()
    for obj in objects:
        fields = obj["fields"]
        if fields.get("key") in ("voting-rights", "holistic"):
            fields["excerpt"] = fields["excerpt"].upper()
    path = write(tmp_path / "edited.json", objects)
    with pytest.raises(CommandError) as error:
        call_command("check_sources", str(path))
    message = str(error.value)
    assert "2 excerpt(s) not found" in message
    assert f"{path}: organisations.memberbenefit isme/voting-rights: excerpt" in message
    assert f"{path}: organisations.statement amie/holistic: excerpt" in message


def test_check_sources_reports_a_source_text_that_differs_from_its_file(tmp_path):
    objects = committed()
    for obj in objects:
        if (
            obj["model"] == "organisations.source"
            and obj["fields"]["slug"] == "music-mark-about-us"
        ):
            obj["fields"]["text"] += "\nAn added line."
    path = write(tmp_path / "edited.json", objects)
    with pytest.raises(CommandError, match="source music-mark-about-us: text differs"):
        call_command("check_sources", str(path))


def test_check_sources_names_an_unreadable_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match=f"{path}: cannot read fixture"):
        call_command("check_sources", str(path))


def test_edit_export_and_load_into_an_empty_database_gives_the_same_data(tmp_path):
    isme = Organisation.objects.get(slug="isme")
    isme.summary = "Edited in the admin."
    isme.save()
    factories.statement(isme)
    isme.affiliations.get(other__slug="unesco").delete()
    before = fixture.export()
    output = tmp_path / "export.json"
    call_command("export_fixture", "--output", str(output), stdout=StringIO())

    empty_the_directory()
    assert Organisation.objects.count() == 0
    call_command("loaddata", str(output), verbosity=0)

    assert fixture.export() == before
    assert Organisation.objects.get(slug="isme").summary == "Edited in the admin."
    assert not Affiliation.objects.filter(organisation__slug="isme", other__slug="unesco").exists()


def test_export_of_the_loaded_fixture_is_the_committed_fixture_byte_for_byte(tmp_path):
    output = tmp_path / "export.json"
    call_command("export_fixture", "--output", str(output), stdout=StringIO())
    assert output.read_text(encoding="utf-8") == fixture.FIXTURE.read_text(encoding="utf-8")


def test_a_malformed_fixture_fails_naming_the_file_and_changes_nothing(tmp_path):
    before = fixture.export()
    path = tmp_path / "broken.json"
    text = fixture.FIXTURE.read_text(encoding="utf-8")
    path.write_text(text.replace('"summary": "ISME is', '"summary": ISME is', 1), encoding="utf-8")
    with pytest.raises(Exception, match="broken.json"):
        call_command("loaddata", str(path), verbosity=0)
    assert fixture.export() == before


def test_an_affiliation_to_a_missing_organisation_fails_and_changes_nothing(tmp_path):
    objects = committed()
    for obj in objects:
        if obj["model"] == "organisations.organisation":
            obj["fields"]["summary"] = "Overwritten by a bad load."
        if obj["model"] == "organisations.affiliation" and obj["fields"]["other"] == ["unesco"]:
            obj["fields"]["other"] = ["no-such-organisation"]
    path = write(tmp_path / "dangling.json", objects)
    before = fixture.export()
    with pytest.raises(Exception, match="dangling.json") as error:
        call_command("loaddata", str(path), verbosity=0)
    assert "organisations.affiliation isme/" in str(error.value)  # the record
    assert "'no-such-organisation', which does not exist" in str(error.value)
    assert fixture.export() == before


def test_a_missing_optional_reference_fails_naming_the_file_and_the_record(tmp_path):
    """Resolved only once the whole file is read (it might be further down): still named."""
    objects = committed()
    for obj in objects:
        if obj["model"] == "organisations.organisation":
            obj["fields"]["summary"] = "Overwritten by a bad load."
    child = next(
        o for o in objects if o["model"] == "organisations.programme" and o["fields"]["parent"]
    )
    child["fields"]["parent"] = [child["fields"]["parent"][0], "no-such-programme"]
    broken = f"organisations.programme {child['fields']['organisation'][0]}/"
    path = write(tmp_path / "dangling.json", objects)
    before = fixture.export()
    with pytest.raises(Exception, match="dangling.json") as error:
        call_command("loaddata", str(path), verbosity=0)
    assert broken in str(error.value)
    assert "no-such-programme" in str(error.value)
    assert fixture.export() == before


@pytest.mark.parametrize("model", ["organisations.organisation", "organisations.statement"])
def test_a_nul_character_fails_naming_the_file_and_the_record_and_changes_nothing(tmp_path, model):
    objects = committed()
    for obj in objects:
        if obj["model"] == "organisations.organisation":
            obj["fields"]["summary"] = "Overwritten by a bad load."
    target = next(obj for obj in objects if obj["model"] == model)
    field = "summary" if model == "organisations.organisation" else "text"
    target["fields"][field] = "A NUL \x00 character."
    path = write(tmp_path / "nul.json", objects)
    before = fixture.export()
    with pytest.raises(Exception, match="nul.json") as error:
        call_command("loaddata", str(path), verbosity=0)
    assert f"{model} " in str(error.value)
    assert f"{field} holds a NUL character" in str(error.value)
    assert fixture.export() == before
