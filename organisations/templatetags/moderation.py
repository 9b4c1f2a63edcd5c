"""The admin's front page: how many readers' suggestions are open."""

from django import template
from django.db.models import Count, Q

from ..models import Suggestion

register = template.Library()


@register.simple_tag
def open_suggestions():
    """{"new": n, "waiting": n}: new suggestions, and those waiting for more information."""
    Status = Suggestion.Status
    return Suggestion.objects.aggregate(
        new=Count("pk", filter=Q(status=Status.NEW)),
        waiting=Count("pk", filter=Q(status=Status.NEEDS_INFORMATION)),
    )
