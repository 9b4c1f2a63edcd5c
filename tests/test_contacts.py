"""Contacts, other names and register numbers: optional, validated, stated with the passage that
gives them, linked to their public registers; entered in the admin as a browser submits them."""

import json

import pytest
from django.core.exceptions import ValidationError

from organisations.models import Identifier, Organisation, Source, national_number
from tests.admin_forms import organisation_form
from tests.reading import content, fold, read

pytestmark = pytest.mark.django_db

PASSAGE = "You can find out more about the Alliance here."


def submit(client, slug, prefix=None, row=None, **changes):
    form = organisation_form(client, slug)
    if prefix:
        form.add_row(prefix, **row)
    return form.save(**changes)


def amie_source():
    return Source.objects.get(slug="amie-founder-page").pk


def test_another_name_is_quoted_shown_under_the_name_and_given_to_search_engines(
    admin_client, client
):
    row = {"kind": "alternative", "name": "the Alliance", "source": amie_source()}
    refused = submit(admin_client, "amie", "other_names", {**row, "excerpt": "AMIE"})
    assert "“the Alliance” does not appear verbatim in the excerpt" in content(refused)

    saved = submit(admin_client, "amie", "other_names", {**row, "excerpt": PASSAGE})
    assert saved.status_code == 302, content(saved)[:500]
    page = read(client.get("/organisations/amie/"))
    names = page.one("ul", class_="other-names")
    assert "also known as the alliance" in names.text and fold(PASSAGE) in names.text
    assert names.one("strong").raw_text == "the Alliance"
    data = json.loads(page.one("script", type="application/ld+json").raw_text)
    assert data["alternateName"] == ["AMIE", "the Alliance"]


@pytest.mark.parametrize(
    ("scheme", "value", "problem"),
    [
        ("charity-ew", "12345", "6 or 7 digits"),
        ("charity-sc", "012345", "SC and 6 digits"),
        ("company", "1234", "8 digits, or 2 letters and 6 digits"),
        ("ukprn", "20007788", "8 digits beginning with 1"),
        ("urn", "1000000", "6 digits"),
    ],
)
def test_a_register_number_in_the_wrong_format_is_refused(admin_client, scheme, value, problem):
    row = {"scheme": scheme, "value": value, "source": amie_source(), "excerpt": PASSAGE}
    refused = submit(admin_client, "amie", "identifiers", row)
    assert refused.status_code == 200
    assert problem in content(refused)
    assert not Identifier.objects.exists()


def test_a_register_number_must_be_in_its_passage_and_links_to_its_register(db):
    amie = Organisation.objects.get(slug="amie")
    source = Source.objects.get(slug="amie-founder-page")
    number = Identifier(
        organisation=amie, source=source, scheme="charity-ew", value="1164781", excerpt=PASSAGE
    )
    with pytest.raises(ValidationError, match="value"):
        number.full_clean()  # the passage does not give the number
    assert number.register_url.endswith("/charity-details/1164781")
    ni = Identifier(scheme="charity-ni", value="NIC100002")
    assert ni.register_url == "https://www.charitycommissionni.org.uk/charity-details/?regId=100002"
    company = Identifier(scheme="company", value="SC123456")
    assert company.register_url.endswith("/company/SC123456")


def test_contacts_are_validated_as_a_browser_submits_them(admin_client):
    refused = submit(
        admin_client,
        "amie",
        phone="12345",
        email="not an address",
        address="1 High Street\r\nLeeds",
    )
    page = content(refused)
    assert "Enter a UK telephone number" in page
    assert "Enter a valid email address." in page
    assert "End the address with its postcode" in page


def test_a_contact_is_stated_only_with_the_passage_that_gives_it(admin_client):
    refused = submit(admin_client, "amie", phone="020 7946 0000")
    assert "No citation supports the telephone" in content(refused)
    assert Organisation.objects.get(slug="amie").phone == ""


def test_a_telephone_number_is_found_in_a_passage_however_it_is_written(db):
    assert national_number("+44 (0)20 7946 0000") == national_number("020 7946 0000")
    amie = Organisation(phone="020 7946 0000")
    assert amie.stated_in("phone", "Call us on +44 20 7946 0000.")
    assert not amie.stated_in("phone", "Call us on 020 7946 0001.")
