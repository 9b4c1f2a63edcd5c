"""Long commands show their progress on a terminal, and nothing at all with --verbosity 0 or
when their output is not a terminal (organisations/progress.py). Backup and restore: in
test_backup.py."""

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

LONG_COMMANDS = {
    "loaddata": (["loaddata", "organisations"], "Loading organisations:"),
    "refresh_search": (["refresh_search"], "Search index: 100%"),
    "generate_synthetic": (["generate_synthetic", "20"], "Drawing organisations: 100%"),
    "remove_synthetic": (["remove_synthetic"], "Removing: 100%"),
}


@pytest.fixture(params=LONG_COMMANDS.values(), ids=LONG_COMMANDS.keys())
def command(request):
    args, bar = request.param
    if args[0] == "remove_synthetic":
        call_command("generate_synthetic", "20", stdout=StringIO())
    return args, bar


def test_a_long_command_shows_its_progress_on_a_terminal(command, terminal):
    args, bar = command
    out = terminal()
    call_command(*args, stdout=out)
    assert bar in out.getvalue()


def test_with_verbosity_0_a_long_command_writes_nothing_even_on_a_terminal(command, terminal):
    args, _ = command
    out = terminal()
    call_command(*args, stdout=out, verbosity=0)
    assert out.getvalue() == ""


def test_when_its_output_is_not_a_terminal_a_long_command_shows_no_progress(command):
    args, bar = command
    out = StringIO()
    call_command(*args, stdout=out)
    assert out.getvalue()  # what it did, in a line
    assert bar.split(":")[0] not in out.getvalue()


def test_generating_shows_each_step(terminal):
    out = terminal()
    call_command("generate_synthetic", "20", stdout=out)
    steps = ["Drawing organisations", "Drawing their records", "Writing organisations"]
    steps += ["Writing statements", "Writing themes", "Indexing"]
    for step in steps:
        assert f"{step}: 100%" in out.getvalue()
    assert "Added 20 synthetic organisations" in out.getvalue()
