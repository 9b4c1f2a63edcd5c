"""The directory's history: every change recorded (who, when, why, field by field), seen in the
admin and in a public change log, and an organisation restored as it was."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from organisations.history import History
from organisations.models import Organisation, Source, Statement
from tests.admin_forms import organisation_form, url
from tests.reading import content

pytestmark = pytest.mark.django_db


def save(client, slug, **changes):
    """Save an organisation's admin form with `changes` (field: value), as a browser does."""
    form = organisation_form(client, slug)
    saved = form.save(**changes)
    assert saved.status_code == 302, content(saved)[:300]
    return form.object


def test_the_directory_loaded_is_in_the_history_once(client):
    isme = Organisation.objects.get(slug="isme")
    changes = History(isme).changes
    assert changes and all(c.reason == "loaddata organisations" for c in changes)
    before = len(changes)
    call_command("loaddata", "organisations", verbosity=0)  # again: nothing changed
    assert len(History(isme).changes) == before


def test_an_admin_edit_is_recorded_field_by_field_with_the_editor(editor_client):
    isme = save(editor_client, "isme", summary="A new summary.", last_verified="2026-11-30")
    latest = History(isme).changes[0]
    assert (latest.user, latest.action, latest.kind) == ("alice", "changed", "organisation")
    fields = {label: (before, after) for label, before, after in latest.fields}
    assert fields["Summary"][1] == "A new summary."
    assert fields["Last verified"][1] == "2026-11-30"
    assert set(fields) == {"Summary", "Last verified"}  # nothing else changed


def test_a_record_added_and_one_deleted_through_the_admin_are_recorded(editor_client):
    source = Source.objects.get(slug="music-mark-about-us")
    form = organisation_form(editor_client, "music-mark")
    first = form.data["statements-0-id"][0]
    form.data["statements-0-DELETE"] = ["on"]
    form.add_row(
        "statements", kind=Statement.Kind.AIM, text="raise that status", source=source.pk,
        excerpt="continuing to raise that status and value of music",
    )  # fmt: skip
    assert form.save().status_code == 302
    changes = History(form.object).changes
    recent = [c for c in changes if c.when == changes[0].when]  # one save, one moment
    assert {(c.action, c.kind) for c in recent} >= {
        ("added", "statement"),
        ("deleted", "statement"),
    }
    assert not Statement.objects.filter(pk=first).exists()


def test_the_admin_history_page_shows_every_change_and_who_made_it(editor_client):
    isme = save(editor_client, "isme", summary="Edited in the admin.")
    page = content(editor_client.get(url(Organisation, "history", isme.pk)))
    assert "alice" in page
    assert "Edited in the admin." in page
    assert "loaddata organisations" in page
    assert "Restore to this version" in page


def test_restoring_an_earlier_version_puts_back_the_organisation_and_its_records(editor_client):
    amie = Organisation.objects.get(slug="amie")
    original = (amie.summary, sorted(amie.statements.values_list("text", flat=True)))
    loaded = History(amie).changes[0].when
    save(editor_client, "amie", summary="Changed, then restored.")
    amie.statements.first().delete()

    restore = reverse("admin:organisations_organisation_restore", args=[amie.pk])
    confirm = editor_client.get(restore, {"moment": loaded.isoformat()})
    assert confirm.status_code == 200 and "Put " in content(confirm)
    done = editor_client.post(restore, {"moment": loaded.isoformat()}, follow=True)
    assert "is as it was on" in content(done)

    amie.refresh_from_db()
    assert (amie.summary, sorted(amie.statements.values_list("text", flat=True))) == original
    latest = History(amie).changes[0]
    assert latest.user == "alice" and latest.reason.startswith("restored to ")
    # The restore is a change like any other: the public page shows it at once.
    assert original[0] in content(editor_client.get(amie.get_absolute_url()))


def test_a_restore_that_breaks_the_verbatim_rule_is_refused_and_changes_nothing(editor_client):
    amie = Organisation.objects.get(slug="amie")
    loaded = History(amie).changes[0].when
    save(editor_client, "amie", summary="Kept, as the restore is refused.")
    source = amie.statements.first().source
    source.text = "A source rewritten since: no excerpt of it is in here any more."
    source.save()
    restore = reverse("admin:organisations_organisation_restore", args=[amie.pk])
    refused = editor_client.post(restore, {"moment": loaded.isoformat()}, follow=True)
    assert "Nothing was restored" in content(refused)
    assert escape("does not appear verbatim in the source") in content(refused)
    amie.refresh_from_db()
    assert amie.summary == "Kept, as the restore is refused."


def test_a_reload_names_what_editors_changed_and_keeps_it_in_the_history(editor_client):
    save(editor_client, "isme", summary="An editor's summary.")
    out = StringIO()
    call_command("loaddata", "organisations", stdout=out)
    assert "Overwriting organisations.organisation isme, changed by alice" in out.getvalue()
    isme = Organisation.objects.get(slug="isme")
    assert isme.summary != "An editor's summary."
    assert any(
        after == "An editor's summary."
        for change in History(isme).changes
        for label, _, after in change.fields
    )


def test_the_public_change_log_shows_what_changed_and_when_but_not_who(client, editor_client):
    isme = save(editor_client, "isme", summary="Seen in the public change log.")
    detail = content(client.get(isme.get_absolute_url()))
    changes_url = reverse("organisations:changes", args=["isme"])
    assert "Last updated" in detail and f'href="{changes_url}"' in detail
    log = content(client.get(changes_url))
    assert "Seen in the public change log." in log
    assert "alice" not in log


def test_a_backup_carries_the_history(tmp_path, editor_client):
    from organisations.management.commands.restore import flush

    def changes():
        # Times to the millisecond: what a backup, a Django fixture, keeps.
        isme = Organisation.objects.get(slug="isme")
        return [(c.when.isoformat()[:23], c.user, c.fields) for c in History(isme).changes]

    save(editor_client, "isme", summary="Before the backup.")
    before = changes()
    path = tmp_path / "backup.json"
    call_command("backup", str(path), stdout=StringIO())
    flush("default")
    call_command("restore", str(path), stdout=StringIO())
    assert changes() == before
