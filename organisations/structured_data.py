"""schema.org structured data (JSON-LD) for an organisation's page.

`organisation_jsonld()` reads the relations `Organisation.objects.for_detail()` prefetches, so
it adds no queries to the detail page. Rendered by the `jsonld` template tags.
"""

from .models import Affiliation, Organisation

SCHEMA_TYPES = {Organisation.Kind.HIGHER_EDUCATION: "EducationalOrganization"}
DEFAULT_TYPE = "Organization"

# schema.org property <- the kinds of this organisation's own (outgoing) affiliations that mean
# exactly what the property does. "Affiliated to" is not membership, "led by" does not make a
# parent organisation and "supported by" is not funding: those are not said in schema.org.
AFFILIATION_PROPERTIES = {
    "memberOf": [Affiliation.Kind.MEMBER_OF],
    "funder": [Affiliation.Kind.FUNDED_BY],
}


def _reference(organisation, request):
    return {
        "@type": SCHEMA_TYPES.get(organisation.kind, DEFAULT_TYPE),
        "@id": request.build_absolute_uri(organisation.get_absolute_url()),
        "name": organisation.name,
    }


def _area(area):
    return {
        "@type": "AdministrativeArea",
        "name": area.name,
        "identifier": {"@type": "PropertyValue", "propertyID": "GSS code", "value": area.code},
    }


def organisation_jsonld(organisation, request):
    """The JSON-LD dict for `organisation`'s page (a `for_detail()` row); empty keys omitted."""
    data = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(organisation.kind, DEFAULT_TYPE),
        "name": organisation.name,
        "alternateName": [
            name
            for name in [organisation.acronym, *(o.name for o in organisation.other_names.all())]
            if name
        ],
        "email": organisation.email,
        "telephone": organisation.phone,
        "address": organisation.address.replace("\n", ", "),
        "identifier": [
            {
                "@type": "PropertyValue",
                "propertyID": identifier.get_scheme_display(),
                "value": identifier.value,
                "url": identifier.register_url,
            }
            for identifier in organisation.identifiers.all()
        ],
        "description": organisation.summary,
        "foundingDate": str(organisation.founded_year) if organisation.founded_year else "",
        # The areas a source says it serves, by their official codes; else its stated scope.
        "areaServed": [_area(served.area) for served in organisation.areas_served.all()]
        or (organisation.get_scope_display() if organisation.scope else ""),
        # The organisation's own address, where a source gives it; this page is its @id.
        "url": organisation.website,
        "@id": request.build_absolute_uri(organisation.get_absolute_url()),
        "mainEntityOfPage": request.build_absolute_uri(organisation.get_absolute_url()),
    }
    affiliations = list(organisation.affiliations.all())
    for prop, kinds in AFFILIATION_PROPERTIES.items():
        others = {}  # by pk: each organisation once, in the affiliations' order
        for affiliation in affiliations:
            if affiliation.kind in kinds and affiliation.other_id:  # an organisation
                others.setdefault(affiliation.other_id, affiliation.other)
        data[prop] = [_reference(other, request) for other in others.values()]
    return {key: value for key, value in data.items() if value}
