"""Django's loaddata, with a clear error for a reference to something that does not exist.

Django defers a natural-key reference it cannot resolve yet (a forward reference), then fails
with a bare database error such as "NOT NULL constraint failed" when the reference is required.
This names the record, the field and the missing key instead. Loading stays atomic: on any error
the database is left as it was, and the message names the fixture file. After a load, the
directory is told it changed: the search index is rebuilt and the data version bumped.
"""

from django.core.management.commands import loaddata
from django.core.serializers.base import DeserializationError

from organisations.models import Organisation


class Command(loaddata.Command):
    def save_obj(self, obj):
        missing = [
            f"{field.name} refers to {field.related_model._meta.verbose_name} "
            f"{'/'.join(map(str, key))!r}, which does not exist"
            for field, key in (obj.deferred_fields or {}).items()
            if not field.null
        ]
        if missing:
            record = obj.object._meta.label_lower
            key = getattr(obj.object, "key", "")
            raise DeserializationError(f"{record} {key}: " + "; ".join(missing))
        if isinstance(obj.object, Organisation) and obj.object.pk in self.versions:
            # The directory fixture holds no versions: a reload is a change like any other, so
            # an admin form opened before it cannot overwrite it (organisations/locking.py).
            stored = self.versions[obj.object.pk]
            obj.object.version = max(obj.object.version, stored + 1)
        return super().save_obj(obj)

    def loaddata(self, fixture_labels):
        self.versions = dict(Organisation.objects.using(self.using).values_list("pk", "version"))
        super().loaddata(fixture_labels)
        # Still inside loaddata's transaction: the index and version are current when it commits.
        if any(model._meta.app_label == "organisations" for model in self.models):
            Organisation.objects.using(self.using).changed()
