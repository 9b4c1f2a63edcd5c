"""Readers' suggestions: a change to an organisation, or an organisation to add, with evidence.

Anyone may send one, without an account (views.SuggestView, forms.SuggestionForm); editors
moderate them in the admin (admin/suggestions.py), accepting one by editing the organisation
through its own form, so through the verbatim rule, recorded in the history as coming from the
suggestion. Its sender follows it on a private page whose address only they know (`token`), and
is told by e-mail when its status changes, if they gave an address; editors are told of each
new one.

Spam is held off without any third-party script:
- a honeypot field no person sees (`HONEYPOT`);
- a signed form token (`form_token`, `token_problem`) that must be a few seconds old (no one
  reads the form and fills it faster) and not too old;
- a limit per client address per hour (`over_the_limit`), the address being the one the login
  lockout trusts behind the proxy (musicdir.security.client_ip), counted in the site's cache:
  while the cache fails the limit is not applied (the failure is logged), and no suggestion is
  lost;
- size limits on every field (the model's and the form's).

E-mail goes through Django's e-mail framework once the suggestion is saved (on commit): a
failure to send is logged, and the suggestion kept. Addresses are kept until KEEP_EMAIL_DAYS
after a suggestion is closed (`remove_old_emails`, run by `manage.py remove_suggestion_emails`).
"""

import logging
import secrets
import smtplib
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from musicdir.security import client_ip

from .cache import counted
from .models import KEEP_EMAIL_DAYS, Suggestion

logger = logging.getLogger(__name__)

# The field a person never sees (hidden by the stylesheet, skipped by the keyboard and screen
# readers) and a form-filling robot fills in.
HONEYPOT = "homepage"
EDITORS = "Editors"
TOKEN_SALT = "organisations.suggestions.form"
TOKEN_MAX_LENGTH = 200  # the tokens given out are some 70 characters long


def new_token():
    """The private status page's token: unguessable (192 random bits)."""
    return secrets.token_urlsafe(24)


# The form token -------------------------------------------------------------------------------


def form_token(now=None):
    """A token saying when the form was given out, signed so that it cannot be made up."""
    return signing.dumps({"at": time.time() if now is None else now}, salt=TOKEN_SALT)


def token_problem(token, now=None):
    """Why the form token cannot be accepted ("fresh", "expired"), or None if it can."""
    if len(token or "") > TOKEN_MAX_LENGTH:
        return "expired"
    try:
        given = signing.loads(token or "", salt=TOKEN_SALT)
        age = (time.time() if now is None else now) - float(given["at"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return "expired"  # as good as: a form from elsewhere, or altered
    if age < settings.SUGGESTION_FORM_MIN_AGE:
        return "fresh"
    if age > settings.SUGGESTION_FORM_MAX_AGE:
        return "expired"
    return None


# The limit per address --------------------------------------------------------------------------

HOUR = 60 * 60


def over_the_limit(request):
    """Has the client sent more than SUGGESTIONS_PER_HOUR suggestions this hour (counting this
    one)? False while the cache fails: the suggestion is taken rather than lost."""
    window = int(time.time()) // HOUR
    sent = counted(f"suggestions:{client_ip(request)}:{window}", HOUR)
    if sent is None:
        logger.warning("Suggestion taken without its hourly limit: the cache is unavailable.")
        return False
    return sent > settings.SUGGESTIONS_PER_HOUR


# Moderating -------------------------------------------------------------------------------------


def received(suggestion, request):
    """A suggestion was just saved: tell the editors, once it is committed."""
    url = request.build_absolute_uri(
        reverse("admin:organisations_suggestion_change", args=[suggestion.pk])
    )
    transaction.on_commit(lambda: _tell_editors(suggestion, url))


def decide(suggestion, status, reason, request, organisation=None):
    """Set the suggestion's status (and the reason its sender is given); tell its sender if it
    changed and they gave an address. Closing it (any status but new or needs information)
    starts the time its address is kept for."""
    changed = status != suggestion.status or reason != suggestion.reason
    suggestion.status = status
    suggestion.reason = reason
    suggestion.decided_by = request.user
    if organisation is not None:
        suggestion.organisation = organisation
    suggestion.closed = None if suggestion.is_open else timezone.now()
    suggestion.save()
    if changed and suggestion.email:
        url = request.build_absolute_uri(suggestion.get_absolute_url())
        transaction.on_commit(lambda: _tell_sender(suggestion, url))


def history_reason(suggestion):
    """Why the history says the organisation changed, when a suggestion is accepted."""
    return f"suggestion {suggestion.reference}"


def remove_old_emails(now=None):
    """Remove the e-mail addresses of suggestions closed more than KEEP_EMAIL_DAYS ago; how many."""
    moment = (now or timezone.now()) - timedelta(days=KEEP_EMAIL_DAYS)
    return Suggestion.objects.keeping_email_past(moment).update(email="")


# E-mail -----------------------------------------------------------------------------------------


def _tell_editors(suggestion, moderation_url):
    editors = (
        get_user_model()
        .objects.filter(groups__name=EDITORS, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    context = {"suggestion": suggestion, "moderation_url": moderation_url}
    _send(
        f"New suggestion {suggestion.reference}: {' '.join(suggestion.name.split())}",
        render_to_string("organisations/email/suggestion_received.txt", context),
        sorted(set(editors)),
    )


def _tell_sender(suggestion, status_url):
    context = {"suggestion": suggestion, "status_url": status_url}
    _send(
        f"Your suggestion {suggestion.reference}: {suggestion.get_status_display().lower()}",
        render_to_string("organisations/email/suggestion_decided.txt", context),
        [suggestion.email],
    )


def _send(subject, body, recipients):
    """Send, or log why not: the suggestion is saved whatever happens here."""
    if not recipients:
        return
    try:
        send_mail(subject, body, None, recipients)
    except (smtplib.SMTPException, OSError, ValueError):  # never the suggestion's loss
        logger.exception("Could not send the e-mail “%s”.", subject)
