"""Stated or classified: an organisation's stated fields (acronym, scope, status, founding year,
website) carry the passage that states them, or stay blank; kind, audiences and themes are our
classification, marked as ours. Editors meet the rule in the admin, as a browser submits it."""

import datetime

import pytest

from organisations.models import Citation, Organisation, Source
from tests.admin_forms import organisation_form
from tests.reading import content, fact, fold, read, visible

pytestmark = pytest.mark.django_db


def submit(client, slug, inline_rows=(), **changes):
    """Save `slug`'s change form with `changes`, adding citations (dicts of fields)."""
    form = organisation_form(client, slug)
    for row in inline_rows:
        form.add_row("citations", **row)
    return form.save(**changes)


def test_every_stated_value_in_the_directory_has_the_passage_that_states_it(db):
    for organisation in Organisation.objects.prefetch_related("citations"):
        assert organisation.unsupported(organisation.citations.all()) == {}, organisation.slug
    isme = Organisation.objects.get(slug="isme")
    assert isme.evidence()["founded_year"].excerpt.startswith("Founded in 1953, ISME")


def test_a_stated_value_the_passage_does_not_say_is_refused(admin_client):
    response = submit(admin_client, "isme", founded_year="1950")
    assert response.status_code == 200
    assert "The passage cited for the founded year does not say “1950”" in content(response)
    assert Organisation.objects.get(slug="isme").founded_year == 1953


def test_a_stated_value_without_a_passage_is_refused_until_one_is_cited(admin_client):
    response = submit(admin_client, "youth-music", acronym="YM")
    assert "No citation supports the acronym" in content(response)
    assert Organisation.objects.get(slug="youth-music").acronym == ""

    source = Source.objects.get(slug="amie-founder-page")
    passage = "led and supported by Youth Music"  # says "Youth Music", not "YM"
    row = {"supports": "acronym", "source": source.pk, "excerpt": passage}
    response = submit(admin_client, "youth-music", [row], acronym="YM")
    assert "This passage does not say “YM”, the organisation&#x27;s acronym." in content(response)

    response = submit(admin_client, "youth-music", [row], acronym="Youth Music")
    assert response.status_code == 302, content(response)[:500]
    youth_music = Organisation.objects.get(slug="youth-music")
    assert youth_music.acronym == "Youth Music"
    assert youth_music.citations.get(supports="acronym").excerpt == passage


def test_a_scope_is_stated_by_its_label_and_a_website_without_its_scheme(db):
    amie = Organisation.objects.get(slug="amie")
    assert amie.stated_in("scope", "help create a musically inclusive England")
    assert not amie.stated_in("scope", "music education hubs")
    amie.website = "https://www.example.org/amie/"
    assert amie.stated_in("website", "Find us at example.org/amie")
    assert not amie.stated_in("website", "Find us at example.com")


def test_removing_the_passage_of_a_stated_value_is_refused(admin_client):
    form = organisation_form(admin_client, "isme")
    supporting = form.object.citations.get(supports="founded_year")
    index = next(
        name.split("-")[1]
        for name, value in form.data.items()
        if name.startswith("citations-") and name.endswith("-id") and value == [str(supporting.pk)]
    )
    response = form.save(**{f"citations-{index}-DELETE": "on"})
    assert "No citation supports the founded year" in content(response)
    assert Citation.objects.filter(pk=supporting.pk).exists()


# On the page: evidence beside every fact, classification marked as ours ------------------------


def passages_shown(response):
    """The passages the page's evidence markers open, folded for comparison."""
    return [passage.text for passage in read(response).find_all(class_="evidence__passage")]


@pytest.mark.parametrize("slug", ["isme", "music-mark", "amie", "music-education-council"])
def test_every_fact_on_a_page_opens_the_passage_it_is_quoted_from(client, slug):
    organisation = Organisation.objects.get(slug=slug)
    response = client.get(organisation.get_absolute_url())
    shown = passages_shown(response)
    records = [
        *organisation.statements.all(),
        *organisation.benefits.all(),
        *organisation.key_figures.all(),
        *organisation.programmes.all(),
        *organisation.roles.all(),
        *organisation.affiliations.all(),
        *organisation.affiliations_received.all(),
        *organisation.citations.exclude(supports=""),
    ]
    assert records
    for record in records:
        assert fold(record.excerpt) in shown, (
            f"{type(record).__name__} {record}: no evidence beside it"
        )


def test_led_by_youth_music_can_be_checked_against_the_sentence_that_says_so(client):
    response = client.get(Organisation.objects.get(slug="amie").get_absolute_url())
    page = read(response)
    (card,) = [c for c in page.find_all("li", class_="affiliation-card") if "led by" in c.text]
    assert "youth music" in card.text
    (marker,) = [a for a in card.find_all("a") if a.get("href", "").startswith("#source-")]
    assert "led and supported by youth music thanks to funding" in card.text
    listed = page.one("li", id=marker.get("href").removeprefix("#"))
    assert marker.one("cite").text in listed.text  # the source listed under that number


def test_stated_facts_carry_their_passage_and_classification_is_marked_as_ours(client):
    response = client.get(Organisation.objects.get(slug="isme").get_absolute_url())
    page = read(response)
    founded = fact(page, "Founded")
    assert founded.raw_text.startswith("1953")
    assert "founded in 1953, isme represents" in founded.text
    for label in ("Type", "Audiences", "Themes"):
        ours = fact(page, label).one("a", href="/about/#classification")
        assert ours.text == "our classification", label
    scope = fact(page, "Geographic scope").text
    assert "our classification" not in scope and "premiere international organisation" in scope


def test_sources_say_what_is_not_recorded_rather_than_guess(client):
    response = client.get(Organisation.objects.get(slug="isme").get_absolute_url())
    text = visible(response)
    assert "web address not recorded" in text
    assert "retrieved not recorded" in text
    assert "licence not stated" in text

    source = Source.objects.get(slug="mec-isme")
    source.url, source.licence = "https://example.org/isme", "CC BY 4.0"
    source.retrieved = datetime.date(2026, 11, 2)
    source.save()
    text = visible(client.get(Organisation.objects.get(slug="isme").get_absolute_url()))
    assert "web address https://example.org/isme" in text
    assert "retrieved 2 november 2026" in text
    assert "licence cc by 4.0" in text


def test_the_page_about_the_data_is_linked_from_every_page_and_names_the_contact_if_set(
    client, settings
):
    for page in ["/organisations/", "/organisations/isme/", "/organisations/compare/"]:
        assert read(client.get(page)).find("a", href="/about/"), page
    settings.CONTACT_EMAIL = ""
    about = client.get("/about/")
    assert about.status_code == 200
    text = visible(about)
    for part in ["our classification", "licence of our own data", "take-down", "cc by 4.0"]:
        assert part in text
    assert "mailto:" not in content(about)
    settings.CONTACT_EMAIL = "corrections@musicdir.example"
    assert read(client.get("/about/")).find("a", href="mailto:corrections@musicdir.example")
