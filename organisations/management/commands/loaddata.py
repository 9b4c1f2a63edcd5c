"""Django's loaddata, with clear errors that name the file and the record.

Django defers a natural-key reference it cannot resolve yet (a forward reference), then fails
with a bare database error such as "NOT NULL constraint failed" when the reference is required,
or once every file is read when it is not, naming neither the file nor the record. This names
the record, the field and the missing key instead, and the file. A NUL character in any text
is refused the same way, on every database (SQLite would store it; PostgreSQL refuses it with an
error naming no record). Loading stays atomic: on any error the database is left as it was.
After a load, the directory is told it changed: the search index is rebuilt and the data
version bumped.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, IntegrityError

from organisations import history, progress
from organisations.models import Organisation

# The reason a load gives in the history: "loaddata organisations".
LOAD = "loaddata"


def record_name(instance):
    """ "organisations.statement isme/aims": the model and the record's natural key (or its
    own key, while the organisation it belongs to is not loaded yet)."""
    try:
        key = instance.natural_key() if hasattr(instance, "natural_key") else (instance.pk,)
    except ObjectDoesNotExist:
        key = (getattr(instance, "key", "") or instance.pk,)
    return f"{instance._meta.label_lower} {'/'.join(map(str, key))}"


class Command(loaddata.Command):
    def save_obj(self, obj):
        instance = obj.object
        record = record_name(instance)
        nul = [
            field.name
            for field in instance._meta.concrete_fields
            if "\x00" in str(getattr(instance, field.attname, "") or "")
        ]
        if nul:
            raise DeserializationError(f"{record}: {', '.join(nul)} holds a NUL character")
        deferred = obj.deferred_fields or {}
        unresolved = {
            field: f"{field.name} refers to {field.related_model._meta.verbose_name} "
            f"{'/'.join(map(str, key))!r}, which does not exist"
            for field, key in deferred.items()
        }
        missing = [message for field, message in unresolved.items() if not field.null]
        if missing:
            raise DeserializationError(f"{record}: " + "; ".join(missing))
        self.name_overwritten_edit(instance, record)
        # A raw save leaves no history, and neither do the tags loaded with it: what the load
        # changed is recorded once it is done (history.record).
        instance.skip_history_when_saving = True
        if isinstance(instance, Organisation) and instance.pk in self.versions:
            # The directory fixture holds no versions: a reload is a change like any other, so
            # an admin form opened before it cannot overwrite it (organisations/locking.py).
            stored = self.versions[instance.pk]
            instance.version = max(instance.version, stored + 1)
        self.progress.update()
        try:
            saved = super().save_obj(obj)
        except IntegrityError as error:
            # A reference that may be empty waits until every file is read (it might be further
            # down), unless the record cannot be saved without it meanwhile (an affiliation
            # names an organisation or describes one): then it fails now, naming both.
            reasons = [*unresolved.values()] or [str(error)]
            raise DeserializationError(f"{record}: " + "; ".join(reasons)) from error
        if saved:
            self.saved.append(instance)
        if obj.deferred_fields:
            # Resolved once every file is read: say which record, if it cannot be.
            obj.save_deferred_fields = _naming(record, obj.save_deferred_fields)
        return saved

    def name_overwritten_edit(self, instance, record):
        """Say so before overwriting a record that someone changed since the last load: an
        editor, an import or a restore. (Its earlier versions stay in the history.)"""
        model = type(instance)
        if instance.pk is None or not history.has_history(model):
            return
        latest = model.history.using(self.using).filter(id=instance.pk).first()
        if (
            latest is None
            or (latest.history_change_reason or "").startswith(LOAD)
            or not history.differs(instance, latest, fields_only=True)
        ):
            return
        by = (
            latest.history_user.get_username()
            if latest.history_user
            else latest.history_change_reason
        )
        self.stdout.write(
            f"Overwriting {record}, changed by {by or 'someone'} on "
            f"{latest.history_date:%-d %b %Y %H:%M}: its earlier versions are in its history."
        )

    def handle(self, *fixture_labels, **options):
        with progress.shown(self.stdout, options["verbosity"]):
            super().handle(*fixture_labels, **options)

    def loaddata(self, fixture_labels):
        self.versions = dict(Organisation.objects.using(self.using).values_list("pk", "version"))
        self.reason = f"{LOAD} {' '.join(fixture_labels)}"
        self.saved = []
        try:
            super().loaddata(fixture_labels)
        except (DeserializationError, DatabaseError, ObjectDoesNotExist, ValueError) as error:
            if "Problem installing fixture '" not in str(error):
                # Found after the files were read (a reference, a constraint): name them.
                files = [str(f) for label in fixture_labels for f, *_ in self.find_fixtures(label)]
                error.args = (f"Problem installing fixture {', '.join(files)}: {error}",)
            raise
        # Still inside loaddata's transaction: the history, the index and the version are
        # current when it commits.
        history.record(self.saved, self.reason)
        if any(model._meta.app_label == "organisations" for model in self.models):
            Organisation.objects.using(self.using).changed()

    def load_label(self, fixture_label):
        with progress.bar(desc=f"Loading {fixture_label}", unit=" objects") as self.progress:
            super().load_label(fixture_label)


def _naming(record, save_deferred_fields):
    def save(*args, **kwargs):
        try:
            return save_deferred_fields(*args, **kwargs)
        except DeserializationError as error:
            message = f"{record}: a reference that does not exist: {error}"
            raise DeserializationError(message) from error

    return save
