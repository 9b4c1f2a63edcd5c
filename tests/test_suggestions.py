"""Readers' suggestions: sending one (a change, or an organisation to add) with its evidence,
the protections against spam, moderating them in the admin, accepting one through the
organisation's own form, telling the sender, and forgetting their address."""

import smtplib
import time
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from organisations import suggestions
from organisations.cache import CACHE
from organisations.history import History
from organisations.models import Organisation, Source, Statement, Suggestion
from tests import factories
from tests.admin_forms import ChangeForm, url
from tests.reading import content, fold, read, visible

pytestmark = pytest.mark.django_db

# What a reader types: line breaks as a browser sends them (CRLF), curly quotes.
SENT = {
    "problem": "The page does not say it is\r\nthe ISME National Affiliate for the UK.",
    "correction": "“MEC is the ISME National Affiliate for the UK.”",
    "evidence_url": "https://www.mec.org.uk/about",
    "evidence_passage": "MEC is the ISME National Affiliate\r\nfor the UK",
    "email": "reader@example.org",
}
# Each test its own client address (behind the proxy, the last X-Forwarded-For entry), so
# that the hourly limits they count never meet.
_addresses = iter(range(1, 250))


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    CACHE.until = 0.0  # no failure of an earlier test's still resting


@pytest.fixture
def address():
    return f"203.0.113.{next(_addresses)}"


def aged_token(seconds=60):
    """A form token given out `seconds` ago, as a reader who took that long to fill it in has."""
    return suggestions.form_token(now=time.time() - seconds)


def change_url(slug="music-education-council"):
    return reverse("organisations:suggest-change", kwargs={"slug": slug})


def send(client, address, path=None, token=None, **fields):
    """Post the form as a browser does, from `address` behind the proxy."""
    data = {**SENT, "started": aged_token() if token is None else token, "homepage": ""}
    data.update(fields)
    return client.post(path or change_url(), data, HTTP_X_FORWARDED_FOR=address)


def the_form(client, path=None):
    page = client.get(path or change_url())
    assert page.status_code == 200
    return page


# Where readers find it ---------------------------------------------------------------------------


def test_every_organisation_page_offers_suggest_a_change(client):
    for slug in Organisation.objects.values_list("slug", flat=True):
        page = read(client.get(reverse("organisations:detail", kwargs={"slug": slug})))
        assert change_url(slug) in [a.get("href") for a in page.find_all("a")], slug


@pytest.mark.parametrize("name", ["organisations:list", "about"])
def test_the_list_and_the_page_about_the_data_offer_suggest_an_organisation(client, name):
    links = read(client.get(reverse(name))).find_all("a")
    assert reverse("organisations:suggest-organisation") in [a.get("href") for a in links]


def test_the_form_is_labelled_hinted_and_says_how_the_address_is_kept(client):
    page = the_form(client)
    form = read(page).one("form", class_="suggestion-form")
    labels = {label.get("for"): label.text for label in form.find_all("label")}
    assert labels["id_problem"] == fold("What is wrong or missing?")
    assert labels["id_evidence_url"] == fold("Where does it say so?")
    assert labels["id_evidence_passage"] == fold("The passage that says so")
    assert labels["id_email"] == fold("Your e-mail address (optional)")
    assert form.one("input", id="id_evidence_url").get("aria-describedby") == (
        "id_evidence_url_helptext"
    )
    assert fold("delete it 30 days after the suggestion is closed") in visible(page)
    assert "csrfmiddlewaretoken" in content(page)
    # Every field is limited in length, in the browser and on the server.
    for name in ["problem", "correction", "evidence_url", "evidence_passage", "email"]:
        assert form.one(id=f"id_{name}").get("maxlength"), name


def test_the_form_pages_are_never_cached(client, settings, address):
    settings.PAGE_CACHE = True
    for path in [change_url(), reverse("organisations:suggest-organisation")]:
        first, second = client.get(path), client.get(path)
        assert "no-store" in first["Cache-Control"]
        assert "ETag" not in first
        token = read(first).one("input", name="started").get("value")
        assert token != read(second).one("input", name="started").get("value")


# Sending one -------------------------------------------------------------------------------------


def test_a_suggestion_is_sent_and_its_sender_gets_a_private_status_page(
    client, address, mailoutbox, django_capture_on_commit_callbacks
):
    factories.editor("bob", email="bob@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        sent = send(client, address)
    suggestion = Suggestion.objects.get()
    assert sent.status_code == 302
    assert sent["Location"] == f"{suggestion.get_absolute_url()}?sent=1"
    assert len(suggestion.token) >= 32  # 192 random bits
    assert suggestion.organisation.slug == "music-education-council"
    assert suggestion.status == Suggestion.Status.NEW
    assert suggestion.problem == SENT["problem"].replace("\r\n", "\n")
    assert suggestion.correction.startswith("“MEC")

    status = client.get(sent["Location"])
    text = visible(status)
    assert fold("Suggestion sent") in text and fold(suggestion.reference) in text
    assert fold("Status New") in text
    assert "reader@example.org" not in content(status)  # never shown
    assert "no-store" in status["Cache-Control"]
    assert status["X-Robots-Tag"] == "noindex"

    # The editors are told, with a link to moderate it, and nothing the reader typed.
    (mail,) = mailoutbox
    assert mail.to == ["bob@example.org"]
    assert suggestion.reference in mail.subject
    assert reverse("admin:organisations_suggestion_change", args=[suggestion.pk]) in mail.body
    assert "ISME National Affiliate" not in mail.body


def test_an_organisation_to_add_is_suggested_with_its_name(client, address):
    path = reverse("organisations:suggest-organisation")
    assert fold("The organisation's name") in visible(the_form(client, path))
    sent = send(client, address, path=path, name="Eastbrook Music Hub", email="")
    assert sent.status_code == 302
    suggestion = Suggestion.objects.get()
    assert (suggestion.organisation, suggestion.name) == (None, "Eastbrook Music Hub")


def test_a_form_with_errors_says_what_is_wrong_and_keeps_what_was_typed(client, address):
    page = send(client, address, problem="", evidence_url="not a web address", email="nope")
    assert page.status_code == 200
    summary = read(page).one("div", class_="error-summary")
    assert fold("There is a problem with your suggestion") in summary.text
    assert [a.get("href") for a in summary.find_all("a")] == [
        "#id_problem",
        "#id_evidence_url",
        "#id_email",
    ]
    assert read(page).one("input", id="id_evidence_url").get("aria-invalid") == "true"
    assert "MEC is the ISME National Affiliate" in content(page)  # kept
    assert read(page).one("title").raw_text.startswith("Error:")
    assert not Suggestion.objects.exists()


def test_every_field_is_limited_in_length(client, address):
    page = send(client, address, problem="x" * 2001, evidence_passage="y" * 2001)
    assert page.status_code == 200
    assert visible(page).count(fold("Shorten this to 2,000 characters or fewer.")) >= 2
    assert not Suggestion.objects.exists()


def test_markup_sent_is_never_reflected_unescaped(client, address):
    probe = '<script>alert("xss-probe")</script>'
    page = send(client, address, problem=probe, email=probe)
    assert page.status_code == 200
    assert probe not in content(page)
    assert "&lt;script&gt;" in content(page)


def test_an_unknown_organisation_or_status_page_is_not_found(client):
    assert client.get(change_url("no-such-organisation")).status_code == 404
    missing = reverse("organisations:suggestion-status", kwargs={"token": "x" * 32})
    assert client.get(missing).status_code == 404


def test_a_nul_character_is_a_bad_request(client, address):
    assert send(client, address, problem="a\x00b").status_code == 400
    assert not Suggestion.objects.exists()


# Spam --------------------------------------------------------------------------------------------


def test_the_honeypot_filled_in_is_refused(client, address):
    page = send(client, address, homepage="https://spam.example")
    assert page.status_code == 400
    assert fold("Your suggestion was not sent") in visible(page)
    assert "spam.example" not in content(page)
    assert not Suggestion.objects.exists()


def test_a_form_sent_within_seconds_of_opening_is_refused(client, address):
    now = time.time()
    with mock.patch("time.time", return_value=now + 1):  # a second after it was given out
        page = send(client, address, token=suggestions.form_token(now=now))
    assert page.status_code == 200
    assert fold("within seconds of being opened") in visible(page)
    assert not Suggestion.objects.exists()
    # The page gives a new token: sent again after a while, it is taken.
    token = read(page).one("input", name="started").get("value")
    with mock.patch("time.time", return_value=time.time() + 10):  # ten seconds later
        assert send(client, address, token=token).status_code == 302


@pytest.mark.parametrize(
    "token",
    [
        aged_token(2 * 24 * 60 * 60),  # given out two days ago
        "",  # none
        "made-up",
        aged_token()[:-3] + "abc",  # altered
        "x" * 100_000,
    ],
    ids=["too old", "missing", "made up", "altered", "huge"],
)
def test_a_form_token_too_old_or_not_ours_is_refused(client, address, token):
    page = send(client, address, token=token)
    assert page.status_code == 200
    assert fold("This form is out of date") in visible(page)
    assert not Suggestion.objects.exists()


def test_one_address_may_send_only_so_many_an_hour(client, address, settings):
    settings.SUGGESTIONS_PER_HOUR = 3
    assert [send(client, address).status_code for _ in range(3)] == [302] * 3
    refused = send(client, address)
    assert refused.status_code == 429
    assert fold("Too many suggestions") in visible(refused)
    assert Suggestion.objects.count() == 3
    # Another reader is not held back...
    assert send(client, f"{address}0").status_code == 302
    # ...and the same one cannot pass as another by forging what precedes the proxy's entry.
    assert send(client, f"198.51.100.7, {address}").status_code == 429


def test_the_limit_counts_the_address_the_login_lockout_trusts(rf, settings):
    """The same function as django-axes (musicdir.security.client_ip), not a second."""
    assert settings.AXES_CLIENT_IP_CALLABLE == "musicdir.security.client_ip"
    with mock.patch("organisations.suggestions.client_ip", return_value="192.0.2.9") as ip:
        suggestions.over_the_limit(rf.post("/"))
    ip.assert_called_once()


def test_while_the_cache_fails_a_suggestion_is_taken_not_lost(client, address, settings):
    settings.SUGGESTIONS_PER_HOUR = 1
    with mock.patch.object(cache, "add", side_effect=RedisConnectionError("down")):
        assert [send(client, address).status_code for _ in range(2)] == [302, 302]
    assert Suggestion.objects.count() == 2
    assert CACHE.error is not None  # logged, and /readyz says so


def test_an_email_that_cannot_be_sent_never_loses_the_suggestion(
    client, address, django_capture_on_commit_callbacks, settings
):
    factories.editor("bob", email="bob@example.org")
    failing = mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=smtplib.SMTPServerDisconnected("gone"),
    )
    with failing, django_capture_on_commit_callbacks(execute=True):
        sent = send(client, address)
    assert sent.status_code == 302
    assert Suggestion.objects.count() == 1


# Moderating --------------------------------------------------------------------------------------


def a_suggestion(**fields):
    """A suggestion about Music Mark (factories.suggestion), unless `organisation` says."""
    organisation = fields.pop("organisation", Organisation.objects.get(slug="music-mark"))
    return factories.suggestion(organisation, **fields)


def test_the_admin_front_page_counts_the_open_suggestions(editor_client):
    a_suggestion()
    a_suggestion()
    a_suggestion(status=Suggestion.Status.NEEDS_INFORMATION)
    a_suggestion(status=Suggestion.Status.REJECTED)
    page = visible(editor_client.get(reverse("admin:index")))
    assert fold("2 new suggestions, 1 waiting for information") in page


def test_editors_may_moderate_but_not_add_suggestions(editor):
    assert editor.has_perms(
        [f"organisations.{action}_suggestion" for action in ("view", "change", "delete")]
    )
    assert not editor.has_perm("organisations.add_suggestion")


def test_a_suggestion_shows_the_organisations_current_values_beside_it(editor_client):
    suggestion = a_suggestion()
    page = editor_client.get(url(Suggestion, "change", suggestion.pk))
    beside = read(page).one("table", class_="suggestion-beside")
    cells = beside.one("tbody").find_all("td")
    assert fold("Music Mark") in cells[0].text and fold("Summary") in cells[0].text
    assert fold("A call to action is missing.") in cells[1].text
    assert "reader@example.org" not in content(page)  # editors do not need it either
    accept = read(page).one("a", class_="button")
    assert accept.get("href") == (
        url(Organisation, "change", suggestion.organisation_id) + f"?suggestion={suggestion.pk}"
    )


@pytest.mark.parametrize(
    "status", [Suggestion.Status.REJECTED, Suggestion.Status.NEEDS_INFORMATION]
)
def test_rejecting_or_asking_for_more_needs_a_reason(editor_client, status):
    suggestion = a_suggestion()
    form = ChangeForm(editor_client, suggestion)
    page = form.save(status=status, reason="")
    assert page.status_code == 200
    assert fold("Give the sender a reason") in visible(page)
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.NEW


def test_a_rejection_is_on_the_status_page_and_emailed_with_its_reason(
    client, editor_client, mailoutbox, django_capture_on_commit_callbacks
):
    suggestion = a_suggestion()
    form = ChangeForm(editor_client, suggestion)
    with django_capture_on_commit_callbacks(execute=True):
        saved = form.save(status="rejected", reason="The page it quotes\r\nsays otherwise.")
    assert saved.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == "rejected" and suggestion.closed is not None
    status = visible(client.get(suggestion.get_absolute_url()))
    assert fold("Status Rejected") in status
    assert fold("The editor's reason The page it quotes says otherwise.") in status
    (mail,) = mailoutbox
    assert mail.to == ["reader@example.org"]
    assert "says otherwise." in mail.body
    assert suggestion.get_absolute_url() in mail.body


def test_no_email_when_the_sender_gave_none(editor_client, mailoutbox, settings):
    suggestion = a_suggestion(email="")
    ChangeForm(editor_client, suggestion).save(status="spam")
    suggestion.refresh_from_db()
    assert suggestion.status == "spam" and suggestion.closed is not None
    assert mailoutbox == []


def test_the_status_page_is_never_cached(client, settings):
    settings.PAGE_CACHE = True
    suggestion = a_suggestion()
    assert fold("Status New") in visible(client.get(suggestion.get_absolute_url()))
    Suggestion.objects.filter(pk=suggestion.pk).update(status="accepted")
    assert fold("Status Accepted") in visible(client.get(suggestion.get_absolute_url()))


# Accepting: the organisation's own form, its rules, its history ----------------------------------


def accepting(client, suggestion):
    form = ChangeForm(client, suggestion.organisation, query=f"suggestion={suggestion.pk}")
    panel = read(form.page).one("div", id="suggestion")
    assert fold(f"Accepting suggestion {suggestion.reference}") in panel.text
    return form


def add_statement(form, excerpt):
    source = Source.objects.get(slug="music-mark-about-us")
    form.add_row(
        "statements", kind=Statement.Kind.CALL_TO_ACTION, source=source.pk, excerpt=excerpt,
        text="the strongest possible focus on the impacts",
    )  # fmt: skip


def test_accepting_edits_the_organisation_through_the_verbatim_rule(
    client, editor_client, mailoutbox, django_capture_on_commit_callbacks
):
    suggestion = a_suggestion()
    form = accepting(editor_client, suggestion)
    # Misquoted (a straight apostrophe for a curly one...): refused, and nothing is accepted.
    add_statement(form, "the strongest possible focus on the impacts that's made")
    refused = form.save()
    assert refused.status_code == 200
    assert fold("does not appear verbatim") in visible(refused)
    suggestion.refresh_from_db()
    assert suggestion.status == "new"

    form = accepting(editor_client, suggestion)
    add_statement(form, "the strongest possible focus on the impacts")
    form.data["suggestion_reason"] = ["Thank you: added."]
    with django_capture_on_commit_callbacks(execute=True):
        saved = form.save()
    assert saved.status_code == 302, visible(saved)[:500]
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.reason) == ("accepted", "Thank you: added.")
    # The history says where it came from; the page and its public change log show it.
    changes = History(suggestion.organisation).changes
    latest = [change for change in changes if change.when == changes[0].when]  # one save
    assert ("statement", "added") in [(change.kind, change.action) for change in latest]
    assert {change.reason for change in latest} == {f"suggestion {suggestion.reference}"}
    music_mark = reverse("organisations:detail", kwargs={"slug": "music-mark"})
    assert fold("the strongest possible focus on the impacts") in visible(client.get(music_mark))
    changes = visible(client.get(reverse("organisations:changes", kwargs={"slug": "music-mark"})))
    assert fold("Statement added: “the strongest possible focus on the impacts") in changes
    assert [m.to for m in mailoutbox] == [["reader@example.org"]]


def test_an_organisation_to_add_is_accepted_by_adding_it(editor_client):
    suggestion = a_suggestion(organisation=None)
    address = url(Organisation, "add") + f"?suggestion={suggestion.pk}"
    page = editor_client.get(address)
    assert fold("Accepting suggestion") in visible(page)
    from tests.admin_forms import form_data

    data = form_data(page, "organisation_form")
    data.update(name=["Eastbrook Music Hub"], slug=["eastbrook-music-hub"], kind=["network"])
    saved = editor_client.post(address, data)
    assert saved.status_code == 302, visible(saved)[:500]
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted"
    assert suggestion.organisation.slug == "eastbrook-music-hub"
    assert History(suggestion.organisation).changes[0].reason == (
        f"suggestion {suggestion.reference}"
    )


def test_a_closed_suggestion_cannot_be_accepted_again(editor_client):
    suggestion = a_suggestion(status="rejected")
    form = ChangeForm(editor_client, suggestion.organisation, query=f"suggestion={suggestion.pk}")
    assert read(form.page).find("div", id="suggestion") is None
    assert form.save().status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == "rejected"


# Privacy -----------------------------------------------------------------------------------------


def test_addresses_are_removed_30_days_after_a_suggestion_is_closed():
    now = timezone.now()
    old = a_suggestion(status="rejected", closed=now - timedelta(days=31))
    recent = a_suggestion(status="accepted", closed=now - timedelta(days=29))
    still_open = a_suggestion(status="needs-information")
    output = StringIO()
    call_command("remove_suggestion_emails", "--dry-run", stdout=output)
    assert "Would remove the e-mail addresses of 1 suggestion(s)" in output.getvalue()
    assert Suggestion.objects.get(pk=old.pk).email == "reader@example.org"
    call_command("remove_suggestion_emails", stdout=output)
    assert Suggestion.objects.get(pk=old.pk).email == ""
    assert Suggestion.objects.get(pk=recent.pk).email == "reader@example.org"
    assert Suggestion.objects.get(pk=still_open.pk).email == "reader@example.org"


def test_reopening_a_suggestion_stops_the_clock(editor_client):
    suggestion = a_suggestion(status="rejected", closed=timezone.now() - timedelta(days=40))
    ChangeForm(editor_client, suggestion).save(status="needs-information", reason="Which page?")
    suggestion.refresh_from_db()
    assert suggestion.closed is None
    assert suggestions.remove_old_emails() == 0
