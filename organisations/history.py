"""The directory's history: every change to an organisation and its records, when, by whom,
why, and field by field; and putting an organisation back as it was.

django-simple-history keeps it: each model with a `history` (an organisation, each kind of
record) has a history table with a row for every save and delete, made by its signals; the
admin's middleware names the editor. Writes that bypass signals say so themselves: `loaddata`
(raw saves) through `record`, imports and restores through the reason they give
(`mark(...)`). This module reads it back as `Change`s, for the admin's history page (with the
editors' names) and the public change log (without them), and `restore()`s an organisation as
it was at a moment, through the same rules as any edit.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import get_m2m_reverse_field_name

from .locking import bump
from .models import (
    RECORD_MODELS,
    Audience,
    Organisation,
    Person,
    Programme,
    Source,
    Theme,
)

# The records of an organisation, in the order they are restored.
RECORDS = RECORD_MODELS
# Fields a change log does not show: bookkeeping, not content.
HIDDEN = {"id", "key", "organisation"}
ACTIONS = {"+": "added", "~": "changed", "-": "deleted"}


def has_history(model):
    """Is the history of `model`'s rows kept (an organisation, a record; not a history row)?"""
    return hasattr(model._meta, "simple_history_manager_attribute")


def mark(instance, reason=None, when=None):
    """Have the next save or delete of `instance` record `reason` as why (a command, an import,
    a restore, a suggestion) and `when` as its moment: every row one change writes shares its
    moment, so restoring to it restores all of them."""
    if reason is not None:
        instance._change_reason = reason
    if when is not None:
        instance._history_date = when
    return instance


@dataclass
class Change:
    """One save or delete of an organisation or one of its records, field by field."""

    when: datetime
    user: str  # the editor's user name, or "" (a command); never shown publicly
    reason: str
    action: str  # "added", "changed", "deleted"
    kind: str  # "organisation", "statement", ...
    record: str  # what the record is, as it then was
    fields: list = field(default_factory=list)  # [(label, before, after)]
    # For the site-wide feed (`RecentChanges`): the organisation's (slug, name), None if it
    # has since been deleted, and an id of the change's own.
    organisation: tuple | None = None
    id: str = ""


class History:
    """The history of one organisation and its records, newest first (`changes`)."""

    def __init__(self, organisation):
        self.organisation = organisation

    @cached_property
    def changes(self):
        changes = []
        for model in [Organisation, *RECORDS]:
            rows = model.history.filter(**self._filter(model)).select_related("history_user")
            rows = rows.order_by("id", "history_date", "history_id")
            previous = {}
            for row in rows:
                before = previous.get(row.id)
                changes.append(self._change(model, row, before))
                previous[row.id] = row
        changes.sort(key=lambda change: change.when, reverse=True)
        return changes

    def public(self):
        """What the public change log shows: changes to the content, without who made them."""
        return [c for c in self.changes if c.action != "changed" or c.fields]

    def _filter(self, model):
        key = "id" if model is Organisation else "organisation_id"
        return {key: self.organisation.pk}

    def _change(self, model, row, before):
        fields = []
        if row.history_type == "~" and before is not None:
            delta = row.diff_against(before, excluded_fields=HIDDEN)
            for change in delta.changes:
                label = model._meta.get_field(change.field).verbose_name
                fields.append(
                    (
                        label[:1].upper() + label[1:],
                        self._shown(model, change.field, change.old),
                        self._shown(model, change.field, change.new),
                    )
                )
        return Change(
            when=row.history_date,
            user=row.history_user.get_username() if row.history_user else "",
            reason=row.history_change_reason or "",
            action=ACTIONS[row.history_type],
            kind=model._meta.verbose_name,
            record=str(row.instance),
            fields=fields,
        )

    def _shown(self, model, name, value):
        """A field's value as a reader would recognise it: a choice's label, a record's name,
        tags by name."""
        model_field = model._meta.get_field(name)
        if model_field.many_to_many:  # the rows of the relation, as dictionaries
            names = self._names(model_field.related_model)
            target = get_m2m_reverse_field_name(model_field)
            return ", ".join(sorted(names.get(row[target], str(row[target])) for row in value))
        if value in (None, ""):
            return ""
        if model_field.choices:
            return dict(model_field.flatchoices).get(value, value)
        if model_field.is_relation:
            return self._names(model_field.related_model).get(value, str(value))
        return str(value)

    def _names(self, model):
        return self._all_names[model]

    @cached_property
    def _all_names(self):
        # The names of what records refer to, read once, for every change at once.
        named = [Organisation, Source, Person, Programme, Audience, Theme]
        return {model: {o.pk: str(o) for o in model.objects.all()} for model in named}


class RecentChanges(History):
    """The directory's latest changes across every organisation, newest first, as the public
    change logs show them: (the organisation's slug and name, `Change`, an id for the change)
    in `public()`. The site-wide feed reads it. At most `limit` rows of each kind of record's
    history are read, and each change's previous version (one query each): bounded by
    `limit`, not by the size of the directory."""

    def __init__(self, limit):
        self.limit = limit

    @cached_property
    def changes(self):
        rows = []
        for model in [Organisation, *RECORDS]:
            latest = model.history.select_related("history_user")
            rows += [(model, row) for row in latest.order_by("-history_date")[: self.limit]]
        rows.sort(key=lambda pair: pair[1].history_date, reverse=True)
        ids = {self._organisation_id(model, row) for model, row in rows}
        organisations = Organisation.objects.filter(pk__in=ids).order_by()
        names = {pk: tuple(named) for pk, *named in organisations.values_list("pk", "slug", "name")}
        changes = []
        for model, row in rows:
            before = row.prev_record if row.history_type == "~" else None
            change = self._change(model, row, before)
            change.organisation = names.get(self._organisation_id(model, row))
            change.id = f"{model._meta.model_name}-{row.history_id}"
            changes.append(change)
        return changes

    def public(self):
        return super().public()[: self.limit]

    @staticmethod
    def _organisation_id(model, row):
        return row.id if model is Organisation else row.organisation_id


def last_updated(organisation):
    """When the organisation or one of its records last changed (None if never recorded)."""
    moments = [
        model.history.filter(**History(organisation)._filter(model)).aggregate(
            latest=Max("history_date")
        )["latest"]
        for model in [Organisation, *RECORDS]
    ]
    return max((m for m in moments if m), default=None)


def last_change():
    """When anything in the directory last changed, from the history (None if it records
    nothing): one query for each kind of record."""
    moments = [
        model.history.aggregate(latest=Max("history_date"))["latest"]
        for model in [Organisation, *RECORDS]
    ]
    return max((m for m in moments if m), default=None)


# Restoring ------------------------------------------------------------------------------------


class CannotRestore(Exception):
    """What stops a restore: each record that fails today's rules (the verbatim rule)."""


def restore(organisation, moment, text):
    """Put `organisation` and its records back as they were at `moment`, each through the same
    checks as an edit (`full_clean`: the verbatim rule), recorded with the reason `text`.
    Records added since are deleted, records deleted since come back. Raises CannotRestore
    naming every record that would break a rule today; nothing is changed then."""
    then = Organisation.history.filter(id=organisation.pk, history_date__lte=moment).first()
    if then is None or then.history_type == "-":
        raise CannotRestore(f"{organisation} did not exist at {moment:%-d %B %Y %H:%M}.")
    now = timezone.now()
    with transaction.atomic():
        problems = []
        restored = then.instance
        restored.version = Organisation.objects.get(pk=organisation.pk).version
        problems += _save(restored, text, now, exclude=["audiences", "themes"])
        restored.audiences.set([row.audience_id for row in then.audiences.all()])
        restored.themes.set([row.theme_id for row in then.themes.all()])
        for model in reversed(RECORDS):  # deletions first, affiliations before programmes
            kept = model.history.as_of(moment).filter(organisation_id=organisation.pk)
            for record in model.objects.filter(organisation=organisation).exclude(
                pk__in=[r.pk for r in kept]
            ):
                mark(record, text, now).delete()
        for model in RECORDS:
            records = list(model.history.as_of(moment).filter(organisation_id=organisation.pk))
            if model is Programme:  # a parent before its children
                records.sort(key=lambda p: p.parent_id is not None)
            for record in records:
                problems += _save(record, text, now)
        if problems:
            transaction.set_rollback(True)
            raise CannotRestore("; ".join(problems))
        bump([organisation.pk])
        Organisation.objects.around(organisation).changed()


def _save(instance, text, when, exclude=()):
    # Made from the history, it is new to Django: say whether it is still in the table, so that
    # its checks (a record's key is unique) do not find it to be its own duplicate.
    instance._state.adding = not type(instance).objects.filter(pk=instance.pk).exists()
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as error:
        messages = [f"{name}: {' '.join(e)}" for name, e in error.message_dict.items()]
        return [f"{instance._meta.verbose_name} “{instance}”: {'; '.join(messages)}"]
    mark(instance, text, when).save()
    return []


# Loads ----------------------------------------------------------------------------------------


def record(instances, text):
    """Record in the history the `instances` a load saved (raw saves, which leave no history of
    their own) whose content differs from what the history last says of them, with the reason
    `text`. Nothing is recorded for what a load left as it was."""
    when = timezone.now()
    for instance in instances:
        model = type(instance)
        if not has_history(model):
            continue
        instance.__dict__.pop("skip_history_when_saving", None)  # set while loading
        latest = model.history.filter(id=instance.pk).first()
        if latest is None or latest.history_type == "-" or differs(instance, latest):
            # Saved again, not raw, so that the history (and its tags) is made as for any save.
            mark(instance, text, when).save()


def differs(instance, latest, fields_only=False):
    """Does `instance` differ from `latest`, a row of its history (in its fields, and unless
    `fields_only`, its tags)?"""
    fields = latest.tracked_fields
    if any(getattr(instance, f.attname) != getattr(latest, f.attname) for f in fields):
        return True
    if fields_only:
        return False
    for m2m in latest._history_m2m_fields:
        target = get_m2m_reverse_field_name(m2m)  # "audience", of the "audiences" field
        then = {getattr(row, f"{target}_id") for row in getattr(latest, m2m.name).all()}
        if set(getattr(instance, m2m.name).values_list("pk", flat=True)) != then:
            return True
    return False
