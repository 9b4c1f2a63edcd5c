"""Affiliations whose other side a passage describes without naming an organisation: a kind
of organisation ("such as music education hubs") or a policy ("the National Plan for Music
Education"). Entered in the admin as a browser submits them; shown, searched and exported
as the source words them, and never drawn or claimed as an organisation."""

import json

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from organisations.models import Affiliation, Organisation, Source
from tests.admin_forms import organisation_form
from tests.reading import content, csv_rows, read, visible

pytestmark = pytest.mark.django_db

HUBS = "There are more than 60 partner organisations – such as music education hubs – who are"


def add_affiliation(client, **fields):
    """Save AMIE's form with one more affiliation, as a browser submits it."""
    form = organisation_form(client, "amie")
    source = Source.objects.get(slug="amie-founder-page")
    form.add_row("affiliations", source=source.pk, excerpt=HUBS, **fields)
    return form.save()


def test_the_fixture_records_the_kinds_and_policies_the_texts_name(client):
    amie = read(client.get("/organisations/amie/"))
    card = next(c for c in amie.find_all("li", class_="affiliation-card") if "hubs" in c.text)
    assert "partner of music education hubs" in card.text
    assert card.find("a", href="/organisations/music-education-hubs/") is None  # no such page
    assert "a kind of organisation, in the source’s words" in card.text
    music_mark = visible(client.get("/organisations/music-mark/"))
    assert "campaigns for the national plan for music education" in music_mark


def test_an_editor_records_a_kind_of_organisation_in_the_passages_words(admin_client, client):
    saved = add_affiliation(
        admin_client, kind="member-of", described="partner organisations", described_as="kind"
    )
    assert saved.status_code == 302, content(saved)[:800]
    assert "member of partner organisations" in visible(client.get("/organisations/amie/"))


def test_words_not_in_the_passage_are_refused(admin_client):
    refused = add_affiliation(
        admin_client, kind="member-of", described="music services", described_as="kind"
    )
    assert refused.status_code == 200
    assert not Affiliation.objects.filter(described="music services").exists()


def test_an_affiliation_names_an_organisation_or_describes_one_never_both_nor_neither(
    admin_client,
):
    youth_music = Organisation.objects.get(slug="youth-music")
    both = add_affiliation(
        admin_client,
        kind="member-of",
        other=youth_music.pk,
        described="music education hubs",
        described_as="kind",
    )
    neither = add_affiliation(admin_client, kind="member-of")
    unsaid = add_affiliation(admin_client, kind="member-of", described="music education hubs")
    for refused in (both, neither):
        # Said once beside the organisation's field, and once in the summary linking to it.
        page = read(refused)
        rule = "Choose the affiliated organisation, or, when the passage names none"
        assert content(refused).count(rule) == 2
        summary = page.find("div", class_="error-summary")
        assert rule.lower() in summary.text  # the reader's text is case folded
        row_errors = [e for e in page.find_all("ul", class_="errorlist") if rule.lower() in e.text]
        assert len(row_errors) == 1
    assert "Say whether the passage describes a kind of organisation or a policy." in content(
        unsaid
    )
    assert not Affiliation.objects.filter(kind="member-of").exists()
    # The database refuses neither too, however it is written.
    amie = Organisation.objects.get(slug="amie")
    with pytest.raises(IntegrityError), transaction.atomic():
        Affiliation.objects.create(
            organisation=amie, kind="member-of", key="x", source=Source.objects.first()
        )


def test_not_drawn_nor_claimed_as_an_organisation(client):
    page = read(client.get("/organisations/music-mark/"))
    diagram = page.find("svg")
    assert diagram is None or "National Plan" not in diagram.text
    script = page.one("head").one("script", type="application/ld+json").raw_text
    assert "National Plan" not in script


def test_exported_with_its_words_and_what_they_describe(client):
    data = json.loads(b"".join(client.get("/organisations/export.json?q=amie").streaming_content))
    amie = next(o for o in data["organisations"] if o["slug"] == "amie")
    hubs = next(a for a in amie["affiliations"] if a["described"])
    assert hubs["organisation"] is None
    assert hubs["described"] == {"text": "music education hubs", "type": "kind"}
    assert hubs["text"] == "Partner of music education hubs"
    assert hubs["passage"].startswith("There are more than 60 partner organisations")


def test_found_by_search(client):
    page = visible(client.get("/organisations/?q=national+plan"))
    assert "music mark" in page


def test_downloaded_one_a_row_with_its_words_and_what_they_describe(client):
    response = client.get(reverse("download-csv", kwargs={"name": "affiliations"}))
    header, *lines = csv_rows(response)
    rows = [dict(zip(header, line, strict=True)) for line in lines]
    rows = [row for row in rows if row["organisation"] == "amie"]
    (hubs,) = [row for row in rows if row["other_name"] == "music education hubs"]
    assert hubs["other_organisation"] == ""
    assert hubs["other_is"] == "kind"
    assert hubs["passage (quoted)"].startswith("There are more than 60 partner organisations")


def test_the_api_gives_its_words_and_what_they_describe(client):
    found = []
    url = "/api/v1/affiliations"
    while url:
        data = client.get(url).json()
        found += [a for a in data["results"] if a["organisation"]["slug"] == "amie"]
        url = data["next"]
    (hubs,) = [a for a in found if a["other"] is None]
    assert hubs["described"] == {"text": "music education hubs", "type": "kind"}
    amie = client.get("/api/v1/organisations/amie").json()
    (link,) = [a for a in amie["affiliations"] if a["organisation"] is None]
    assert link["described"] == {"text": "music education hubs", "type": "kind"}
