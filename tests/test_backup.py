"""Backup and restore: the whole database to one file, and back into an empty database.

Also the release step's data load (`seed_directory`), which never overwrites editors' work.
"""

import gzip
import json
import os
import stat
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS

from organisations import fixture
from organisations.management.commands.restore import flush
from organisations.models import Organisation, SearchName, Statement
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    # Flushing recreates content types with new ids inside the test's transaction, which is
    # then rolled back: forget the ids cached meanwhile.
    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def edited(django_user_model):
    """A database in use: an editor, a superuser, edits, and the admin's history of them."""
    editor = factories.editor("editor", email="editor@example.org", first_name="Eda")
    editor.user_permissions.add(Permission.objects.get(codename="view_logentry"))
    django_user_model.objects.create_superuser("root", "root@example.org", "another-passphrase")
    isme = Organisation.objects.get(slug="isme")
    isme.summary = "Edited before the backup."
    isme.version = 7
    isme.save()
    Statement.objects.filter(organisation=isme).first().delete()
    LogEntry.objects.log_actions(
        editor.pk, [isme], CHANGE, change_message=[{"changed": {"fields": ["Summary"]}}]
    )


def everything():
    """All the data a backup must keep, in comparable form, ids included."""
    users = [
        (
            u.pk,
            u.username,
            u.password,
            u.email,
            u.first_name,
            u.is_staff,
            u.is_superuser,
            u.is_active,
            to_the_millisecond(u.date_joined),
            to_the_millisecond(u.last_login),
            sorted(g.name for g in u.groups.all()),
            sorted(p.natural_key() for p in u.user_permissions.all()),
        )
        for u in get_user_model().objects.order_by("pk")
    ]
    groups = [
        (g.pk, g.name, sorted(p.natural_key() for p in g.permissions.all()))
        for g in Group.objects.order_by("pk")
    ]
    history = [
        (
            e.pk,
            e.user.username,
            e.content_type.natural_key(),
            e.object_id,
            e.object_repr,
            e.action_flag,
            e.change_message,
            to_the_millisecond(e.action_time),
        )
        for e in LogEntry.objects.order_by("pk")
    ]
    ids = list(Organisation.objects.order_by("pk").values_list("pk", "slug", "version"))
    records = list(Statement.objects.order_by("pk").values_list("pk", "organisation_id", "key"))
    return {
        "directory": fixture.export(),
        "users": users,
        "groups": groups,
        "history": history,
        "ids": ids,
        "records": records,
    }


def to_the_millisecond(moment):
    # Django's JSON fixtures keep times to the millisecond (its encoder's choice).
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000) if moment else None


def empty_database():
    flush(DEFAULT_DB_ALIAS)
    assert Organisation.objects.count() == 0
    assert get_user_model().objects.count() == 0
    # What `migrate` gives a new database.
    editors = Group.objects.create(name="Editors")
    editors.permissions.set(Permission.objects.filter(content_type__app_label="organisations"))


@pytest.mark.parametrize("name", ["backup.json", "backup.json.gz"])
def test_backup_and_restore_into_an_empty_database_loses_nothing(tmp_path, edited, name):
    before = everything()
    assert before["users"] and before["history"] and before["directory"]
    path = tmp_path / name
    out = StringIO()
    call_command("backup", str(path), stdout=out)
    assert f"Backed up the database to {path}." in out.getvalue()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds password hashes

    empty_database()
    assert everything() != before
    out = StringIO()
    call_command("restore", str(path), stdout=out)

    assert everything() == before
    assert "Restored" in out.getvalue()
    assert "10 organisations" in out.getvalue()
    # The restored directory is searchable and editable as before.
    assert Organisation.objects.search("ISME").filter(slug="isme").exists()
    # ... by the full-text index too (an inflection, past the stem), and by type-ahead.
    assert Organisation.objects.search("musicall inclusion").filter(slug="amie").exists()
    assert SearchName.objects.suggestions("alliance for", 8)[0][2] == "amie"
    assert Organisation.objects.get(slug="isme").summary == "Edited before the backup."


def test_the_backup_is_a_fixture_without_transient_records(tmp_path, edited):
    path = tmp_path / "backup.json.gz"
    call_command("backup", str(path), stdout=StringIO())
    objects = json.loads(gzip.decompress(path.read_bytes()))
    models = {obj["model"] for obj in objects}
    assert {"organisations.organisation", "auth.user", "auth.group", "admin.logentry"} <= models
    assert not {m for m in models if m.startswith(("contenttypes.", "sessions.", "axes."))}
    assert "auth.permission" not in models


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, edited):
    path = tmp_path / "backup.json"
    call_command("backup", str(path), stdout=StringIO())
    before = everything()
    with pytest.raises(CommandError, match="The database is not empty: it holds 10 organisations"):
        call_command("restore", str(path), stdout=StringIO())
    assert everything() == before


def test_a_failed_restore_leaves_the_database_as_it_was_and_names_the_file(tmp_path, edited):
    path = tmp_path / "damaged.json"
    call_command("backup", str(path), stdout=StringIO())
    objects = json.loads(path.read_text())
    for obj in objects:
        if obj["model"] == "organisations.affiliation":
            obj["fields"]["other"] = ["no-such-organisation"]
    path.write_text(json.dumps(objects))

    empty_database()
    before = everything()
    with pytest.raises(Exception, match="damaged.json"):
        call_command("restore", str(path), stdout=StringIO())
    assert everything() == before
    assert Group.objects.filter(name="Editors").exists()  # what migrate made is still there


def test_restore_names_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="nowhere.json: no such file"):
        call_command("restore", str(tmp_path / "nowhere.json"))


def test_backup_to_stdout(edited):
    out = StringIO()
    call_command("backup", "-", stdout=out)
    assert any(obj["model"] == "auth.user" for obj in json.loads(out.getvalue()))


def test_backup_and_restore_show_their_progress_on_a_terminal(tmp_path, edited, terminal):
    path = tmp_path / "backup.json"
    out = terminal()
    call_command("backup", str(path), stdout=out)
    assert "[" + "." * 75 + "]" in out.getvalue()  # Django's own bar, for dumpdata
    empty_database()
    out = terminal()
    call_command("restore", str(path), stdout=out)
    assert "Loading " in out.getvalue()
    assert "Search index: 100%" in out.getvalue()
    assert "Restored" in out.getvalue()


def test_backup_and_restore_write_nothing_with_verbosity_0(tmp_path, edited, terminal):
    path = tmp_path / "backup.json"
    out = terminal()
    call_command("backup", str(path), stdout=out, verbosity=0)
    empty_database()
    call_command("restore", str(path), stdout=out, verbosity=0)
    assert out.getvalue() == ""
    assert Organisation.objects.count() == 10


# --- The release step's load -------------------------------------------------------------------


def test_seed_directory_loads_an_empty_database():
    Organisation.objects.all().delete()
    out = StringIO()
    call_command("seed_directory", stdout=out)
    assert Organisation.objects.filter(slug="isme").exists()
    assert "Installed" in out.getvalue()


def test_seed_directory_never_overwrites_editors_work():
    isme = Organisation.objects.get(slug="isme")
    isme.summary = "Changed by an editor."
    isme.save()
    out = StringIO()
    call_command("seed_directory", stdout=out)
    assert "nothing loaded" in out.getvalue()
    assert Organisation.objects.get(slug="isme").summary == "Changed by an editor."


# --- The files themselves ---------------------------------------------------------------------


def test_a_backup_over_an_existing_file_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "backup.json"
    path.write_text("an older backup")
    path.chmod(0o644)
    call_command("backup", str(path), stdout=StringIO())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())  # the new backup


def test_a_backup_never_writes_through_a_symbolic_link(tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not to be overwritten")
    link = tmp_path / "backup.json"
    link.symlink_to(elsewhere)
    call_command("backup", str(link), stdout=StringIO())
    assert elsewhere.read_text() == "not to be overwritten"
    assert not link.is_symlink()
    assert stat.S_IMODE(link.stat().st_mode) == 0o600
    assert json.loads(link.read_text())


def test_a_failed_backup_leaves_no_file_behind(tmp_path, monkeypatch):
    from organisations.management.commands import backup

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(backup, "call_command", broken)
    with pytest.raises(OSError):
        call_command("backup", str(tmp_path / "backup.json"), stdout=StringIO())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name", ["musicdir-backup-20261201-120000.json.gz", "db.sqlite3", "db.sqlite3-wal"]
)
def test_backups_and_the_sqlite_database_are_never_committed(name):
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", name], cwd=settings.BASE_DIR, check=False
    )
    assert ignored.returncode == 0, f"{name} is not in .gitignore"


def test_the_sqlite_database_file_is_readable_by_its_owner_only(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
    )
    files = [database, *tmp_path.glob("db.sqlite3-*")]
    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in files} == {
        path.name: 0o600 for path in files
    }
