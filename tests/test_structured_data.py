"""schema.org JSON-LD on each organisation's page, the sitemap and robots.txt."""

import json
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from organisations.models import Organisation
from tests.reading import read

pytestmark = pytest.mark.django_db

ALL_SLUGS = [
    "isme",
    "music-education-council",
    "music-mark",
    "amie",
    "youth-music",
    "national-lottery",
    "arts-council-england",
    "unesco",
    "international-music-council",
    "royal-conservatoire-of-scotland",
]


def absolute(slug):
    return "http://testserver" + reverse("organisations:detail", kwargs={"slug": slug})


def jsonld(client, slug):
    """The page's one JSON-LD object, read from its <head>."""
    response = client.get(reverse("organisations:detail", kwargs={"slug": slug}))
    assert response.status_code == 200
    return json.loads(jsonld_text(response))


def jsonld_text(response):
    return read(response).one("head").one("script", type="application/ld+json").raw_text


def reference(slug):
    org = Organisation.objects.get(slug=slug)
    schema_type = "EducationalOrganization" if org.kind == "higher-education" else "Organization"
    return {"@type": schema_type, "@id": absolute(slug), "name": org.name}


@pytest.mark.parametrize("slug", ALL_SLUGS)
def test_every_page_describes_its_organisation(client, slug):
    org = Organisation.objects.get(slug=slug)
    data = jsonld(client, slug)
    assert data["@context"] == "https://schema.org"
    assert data["name"] == org.name
    # The page is its @id; `url` would be the organisation's own address, which no source gives.
    assert data["@id"] == data["mainEntityOfPage"] == absolute(slug)
    assert "url" not in data
    assert all(value not in ("", [], None) for value in data.values())  # empty keys omitted


def test_url_is_the_organisations_own_address_when_known(client):
    Organisation.objects.filter(slug="isme").update(website="https://www.isme.org/")
    assert jsonld(client, "isme")["url"] == "https://www.isme.org/"


def test_isme(client):
    data = jsonld(client, "isme")
    assert data["@type"] == "Organization"
    assert data["alternateName"] == ["ISME"]
    assert data["foundingDate"] == "1953"
    assert data["areaServed"] == "International"
    assert data["description"] == Organisation.objects.get(slug="isme").summary
    # "Affiliated to" is not membership: schema.org says nothing the text does not.
    assert "memberOf" not in data
    assert "parentOrganization" not in data
    assert "funder" not in data


def test_being_led_or_supported_is_not_said_to_be_a_parent_or_a_funder(client):
    data = jsonld(client, "amie")
    assert "parentOrganization" not in data
    assert "funder" not in data


def test_funded_by_is_a_funder_and_member_of_is_membership(client):
    assert jsonld(client, "youth-music")["funder"] == [reference("national-lottery")]
    from organisations.models import Affiliation

    isme = Affiliation.objects.get(
        organisation__slug="music-education-council", kind="national-affiliate-of"
    )
    isme.kind = Affiliation.Kind.MEMBER_OF
    isme.save()
    assert jsonld(client, "music-education-council")["memberOf"] == [reference("isme")]


def test_a_conservatoire_is_an_educational_organization(client):
    Organisation.objects.filter(slug="royal-conservatoire-of-scotland").update(
        kind=Organisation.Kind.HIGHER_EDUCATION
    )
    data = jsonld(client, "royal-conservatoire-of-scotland")
    assert data["@type"] == "EducationalOrganization"
    assert "areaServed" not in data  # its scope is not stated
    assert "alternateName" not in data


def test_markup_in_the_data_cannot_break_out_of_the_script(client):
    attack = "</script><script>alert(1)</script> & <!-- more"
    Organisation.objects.filter(slug="unesco").update(summary=attack, acronym="</script>")
    response = client.get(reverse("organisations:detail", kwargs={"slug": "unesco"}))
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "</script><script>" not in page
    found = jsonld_text(response)
    assert "<" not in found and ">" not in found and "&" not in found
    data = json.loads(found)
    assert data["description"] == attack
    assert data["alternateName"] == ["</script>"]


def test_the_sitemap_lists_every_organisations_page(client):
    Organisation.objects.filter(slug="unesco").update(status=Organisation.Status.CLOSED)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [loc.text for loc in root.findall("s:url/s:loc", ns)]
    assert sorted(locations) == sorted(absolute(slug) for slug in ALL_SLUGS)


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Allow: /" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    sitemap_url = next(line for line in lines if line.startswith("Sitemap: "))[len("Sitemap: ") :]
    assert client.get(sitemap_url).status_code == 200


def test_the_areas_a_source_says_it_serves_by_their_official_codes(client):
    # AMIE's page: "If you want to help create a musically inclusive England".
    assert jsonld(client, "amie")["areaServed"] == [
        {
            "@type": "AdministrativeArea",
            "name": "England",
            "identifier": {
                "@type": "PropertyValue",
                "propertyID": "GSS code",
                "value": "E92000001",
            },
        }
    ]
