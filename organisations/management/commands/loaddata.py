"""Django's loaddata, with a clear error for a reference to something that does not exist.

Django defers a natural-key reference it cannot resolve yet (a forward reference), then fails
with a bare database error such as "NOT NULL constraint failed" when the reference is required.
This names the record, the field and the missing key instead. Loading stays atomic: on any error
the database is left as it was, and the message names the fixture file. After a load, the
search index is rebuilt (see organisations/search.py).
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
        return super().save_obj(obj)

    def loaddata(self, fixture_labels):
        super().loaddata(fixture_labels)
        # Still inside loaddata's transaction: the search index is current when it commits.
        if any(model._meta.app_label == "organisations" for model in self.models):
            Organisation.objects.using(self.using).refresh_search()
