"""Organisations and their records, for tests to add to the directory the fixture loaded; and
editors' accounts.

Each is checked as its model checks it (`full_clean()`: the verbatim rule included), so every
record quotes a real passage of one of the sources (fixtures/sources/, the texts the fixture
loads): by default the passage in QUOTED for its kind, which a test may override. (No source
gives a register number, so there is no factory of identifiers.) The rule that a stated field
(acronym, scope, founding year...) has a citation saying it is the admin's and the import's,
not the model's (test_evidence.py): an organisation made here states what the test gives it,
and its citations are the test's to add.

They are written with the ORM, as tests write: not indexed for search, and the data version
not bumped. `Organisation.objects.filter(...).changed()` does both, as the site's write
paths do.
"""

import itertools
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.text import slugify

from organisations import models, suggestions

# For each kind of record: a passage of a source, verbatim, and the fields that quote it.
QUOTED = {
    models.Citation: {
        "source": "mec-isme",
        "excerpt": "ISME is a worldwide organisation that seeks to celebrate the diverse ways "
        "that people engage with, and develop in and through, music.",
    },
    models.Statement: {
        "source": "mec-isme",
        "excerpt": "ISME believes that every individual has a right to music education",
        "kind": models.Statement.Kind.BELIEF,
        "text": "every individual has a right to music education",
    },
    models.MemberBenefit: {
        "source": "mec-isme",
        "excerpt": "monthly electronic ISME Newsletters",
        "category": models.MemberBenefit.Category.PUBLICATIONS,
        "text": "monthly electronic ISME Newsletters",
    },
    models.Programme: {
        "source": "mec-isme",
        "excerpt": "ISME holds a World Conference every two years",
        "name": "World Conference",
        "kind": models.Programme.Kind.CONFERENCE,
        "description": "ISME holds a World Conference every two years",
        "frequency": "every two years",
    },
    models.KeyFigure: {
        "source": "amie-founder-page",
        "excerpt": "There are more than 60 partner organisations – such as music education "
        "hubs – who are working with us to make change happen in music education.",
        "value": 60,
        "qualifier": models.KeyFigure.Qualifier.MORE_THAN,
        "label": "partner organisations",
    },
    models.Role: {
        "source": "music-mark-about-us",
        "excerpt": "“Music Mark believes in the fundamental right to experience a high-quality "
        "music education for all children and young people, in and out of their schools.” "
        "Jem Shuttleworth, Chief Executive",
        "person": "jem-shuttleworth",
        "title": "Chief Executive",
        "quote": "Music Mark believes in the fundamental right to experience a high-quality "
        "music education for all children and young people, in and out of their schools.",
    },
    models.AreaServed: {
        "source": "amie-founder-page",
        "excerpt": "If you want to help create a musically inclusive England",
        "area": "E92000001",  # England, by its GSS code
    },
    models.OtherName: {
        "source": "amie-founder-page",
        "excerpt": "You can find out more about the Alliance here.",
        "name": "the Alliance",
        "kind": models.OtherName.Kind.ALTERNATIVE,
    },
    models.Affiliation: {
        "source": "amie-founder-page",
        "excerpt": "As one of 13 founder organisations, we’re part of a growing network of "
        "organisations working together to promote equity in music education",
        "kind": models.Affiliation.Kind.PARTNER_OF,
    },
}

_numbers = itertools.count(1)


def organisation(name=None, *, audiences=(), themes=(), **fields):
    """A new organisation: `name` (by default a new one: "Test organisation 7"), its slug made
    from it, and any other fields; `audiences` and `themes` by slug."""
    name = name or f"Test organisation {next(_numbers)}"
    created = models.Organisation(name=name, slug=fields.pop("slug", slugify(name)), **fields)
    created.full_clean()
    created.save()
    if audiences:
        created.audiences.set(models.Audience.objects.filter(slug__in=audiences))
    if themes:
        created.themes.set(models.Theme.objects.filter(slug__in=themes))
    return created


def organisations(count, name="Test organisation", start=0, **fields):
    """`count` new organisations, named `name` and a number from `start` (000), which they
    sort by."""
    return [organisation(f"{name} {n:03}", **fields) for n in range(start, start + count)]


def organisations_with_records(count, name="Test funder", start=0):
    """`count` funders in the UK (a passage citing that they are) with something of each kind
    a list card or an export shows: two key figures, an audience, and affiliations both ways
    with ISME."""
    isme = models.Organisation.objects.get(slug="isme")
    made = organisations(count, name, start, kind="funder", scope="uk", audiences=["schools"])
    for created in made:
        citation(created, supports="scope", excerpt="National Affiliate for the UK")
        key_figure(created)
        key_figure(
            created,
            value=13,
            qualifier="",
            label="founder organisations",
            excerpt="As one of 13 founder organisations",
        )
        affiliation(
            created, isme, kind="member-of", source="mec-isme", excerpt="Why become an ISME member?"
        )
        affiliation(isme, created)
    return made


def record(model, organisation, **fields):
    """A new record of `model` for `organisation`: QUOTED's passage and fields for the kind,
    but for `fields`. A source or person may be given by slug, an area by its code."""
    values = QUOTED[model] | fields
    if isinstance(values["source"], str):
        values["source"] = models.Source.objects.get(slug=values["source"])
    if isinstance(values.get("person"), str):
        values["person"] = models.Person.objects.get(slug=values["person"])
    if isinstance(values.get("area"), str):
        values["area"] = models.Area.objects.get(code=values["area"])
    created = model(organisation=organisation, **values)
    created.full_clean()
    created.save()
    return created


# `statement(organisation, **fields)` and so on: `record` of each kind.
citation = partial(record, models.Citation)
statement = partial(record, models.Statement)
benefit = partial(record, models.MemberBenefit)
programme = partial(record, models.Programme)
key_figure = partial(record, models.KeyFigure)
role = partial(record, models.Role)
area_served = partial(record, models.AreaServed)
other_name = partial(record, models.OtherName)


def affiliation(organisation, other, **fields):
    """`organisation` is <kind> `other` (by default a partner of it)."""
    return record(models.Affiliation, organisation, other=other, **fields)


def suggestion(organisation, **fields):
    """A reader's suggestion about `organisation` (None: one to add), as the site saves one
    sent: a call to action Music Mark's page has, with its evidence, and an e-mail address."""
    values = {
        "organisation": organisation,
        "name": organisation.name if organisation else "Eastbrook Music Hub",
        "problem": "A call to action is missing.",
        "correction": "the strongest possible focus on the impacts",
        "evidence_url": "https://www.musicmark.org.uk/about-us/",
        "evidence_passage": "the strongest possible focus on the impacts",
        "email": "reader@example.org",
        "token": suggestions.new_token(),
        **fields,
    }
    return models.Suggestion.objects.create(**values)


def editor(username, **fields):
    """A new editor's account, as an administrator makes one: staff, in the Editors group (which
    gives it its permissions), not a superuser. Its password: `f"{username}-passphrase"`."""
    user = get_user_model().objects.create_user(
        username, password=f"{username}-passphrase", is_staff=True, **fields
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user
