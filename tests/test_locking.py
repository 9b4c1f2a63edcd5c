"""No lost edits: two editors who open the same organisation and both save.

The second to save gets a clear conflict message and the form back as they typed it; nothing
of the first save is overwritten unless they save again, on purpose (organisations/locking.py).
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from organisations.locking import VERSION_FIELD
from organisations.models import Organisation, Statement
from tests import factories
from tests.admin_forms import ChangeForm, form_data, url
from tests.reading import content

pytestmark = pytest.mark.django_db

CONFLICT = "saved changes to Alliance for a Musically Inclusive England after you opened this page"


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def amie(db):
    # Smaller than ISME, so its admin page (every record inline) is quicker to render.
    return Organisation.objects.get(slug="amie")


@pytest.fixture
def alice(editor):
    return logged_in(editor)


@pytest.fixture
def bob(db):
    return logged_in(factories.editor("bob"))


def test_the_change_form_carries_the_version_it_was_opened_at(alice, amie):
    assert ChangeForm(alice, amie).data[VERSION_FIELD] == [str(amie.version)]


def test_the_second_of_two_editors_gets_a_conflict_and_keeps_what_they_typed(alice, bob, amie):
    alices_form = ChangeForm(alice, amie)
    bobs_form = ChangeForm(bob, amie)

    assert alices_form.save(summary="Alice's summary.").status_code == 302

    refused = bobs_form.save(summary="Bob's summary, typed at the same time.")

    assert refused.status_code == 200
    page = content(refused)
    assert escape(CONFLICT) in page
    assert "your changes have not been saved" in page
    # What Bob typed is in the form shown again; Alice's save stands.
    bobs_form.data = form_data(refused, "organisation_form")
    assert bobs_form.data["summary"] == ["Bob's summary, typed at the same time."]
    amie.refresh_from_db()
    assert amie.summary == "Alice's summary."

    # Saving the form shown again replaces Alice's save: a deliberate choice, not a silent one.
    assert bobs_form.save().status_code == 302
    amie.refresh_from_db()
    assert amie.summary == "Bob's summary, typed at the same time."


def test_a_conflict_keeps_the_inline_rows_typed_and_saves_none_of_them(alice, bob, amie):
    statement = amie.statements.order_by("order", "pk").first()
    alices_form = ChangeForm(alice, amie)
    bobs_form = ChangeForm(bob, amie)
    index = next(
        name.split("-")[1]
        for name, value in bobs_form.data.items()
        if name.startswith("statements-") and name.endswith("-id") and value == [str(statement.pk)]
    )

    assert alices_form.save().status_code == 302
    refused = bobs_form.save(**{f"statements-{index}-order": 99})

    assert refused.status_code == 200
    assert escape(CONFLICT) in content(refused)
    assert form_data(refused, "organisation_form")[f"statements-{index}-order"] == ["99"]
    statement.refresh_from_db()
    assert statement.order != 99


def test_every_save_bumps_the_version_inline_changes_included(alice, amie):
    before = amie.version
    assert ChangeForm(alice, amie).save(**{"statements-0-order": 42}).status_code == 302
    amie.refresh_from_db()
    assert amie.version == before + 1
    assert amie.statements.filter(order=42).exists()


def test_a_record_saved_on_its_own_page_conflicts_with_its_organisations_page(alice, bob, amie):
    statement = amie.statements.order_by("order", "pk").first()
    bobs_organisation_form = ChangeForm(bob, amie)

    assert ChangeForm(alice, statement).save(order=7).status_code == 302

    refused = bobs_organisation_form.save()
    assert refused.status_code == 200
    assert escape(CONFLICT) in content(refused)


def test_two_editors_on_the_same_record_page(alice, bob, amie):
    statement = amie.statements.order_by("order", "pk").first()
    alices_form = ChangeForm(alice, statement)
    bobs_form = ChangeForm(bob, statement)

    assert alices_form.save(order=5).status_code == 302
    refused = bobs_form.save(order=6)

    assert refused.status_code == 200
    assert escape(CONFLICT) in content(refused)
    statement.refresh_from_db()
    assert statement.order == 5


def test_deleting_a_record_conflicts_with_a_page_that_still_shows_it(alice, bob, amie):
    statement = amie.statements.order_by("order", "pk").first()
    bobs_form = ChangeForm(bob, amie)

    response = alice.post(url(Statement, "delete", statement.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Statement.objects.filter(pk=statement.pk).exists()

    refused = bobs_form.save()
    assert refused.status_code == 200
    assert escape(CONFLICT) in content(refused)
    assert not Statement.objects.filter(pk=statement.pk).exists()


def test_a_form_without_its_version_is_refused(alice, amie):
    form = ChangeForm(alice, amie)
    del form.data[VERSION_FIELD]
    refused = form.save(summary="Sent by something that is not the form.")
    assert refused.status_code == 200
    assert escape(CONFLICT) in content(refused)


def test_reloading_the_fixture_conflicts_with_a_form_opened_before(alice, amie):
    form = ChangeForm(alice, amie)
    call_command("loaddata", "organisations", stdout=StringIO())
    assert Organisation.objects.get(pk=amie.pk).version > amie.version

    refused = form.save()
    assert refused.status_code == 200
    assert escape(CONFLICT) in content(refused)


def test_adding_an_organisation_needs_no_version(alice):
    response = alice.get(url(Organisation, "add"))
    assert f'name="{VERSION_FIELD}"' not in content(response)
