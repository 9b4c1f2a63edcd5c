"""`{% organisation_jsonld organisation %}` and `{{ data|jsonld }}`: schema.org JSON-LD in a
`<script type="application/ld+json">`, escaped so no value can close the script element."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..structured_data import organisation_jsonld as build_organisation_jsonld

register = template.Library()

# As django.utils.html.json_script does: inside <script>, "<", ">" and "&" become JSON escapes,
# so "</script>" or "<!--" in the data cannot end or change the element.
JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter(is_safe=True)
def jsonld(data):
    """`data` as a JSON-LD script element."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(payload.translate(JSON_SCRIPT_ESCAPES)),  # escaped above
    )


@register.simple_tag(takes_context=True)
def organisation_jsonld(context, organisation):
    """The JSON-LD for `organisation`'s page (a `for_detail()` row). Needs `request`."""
    return jsonld(build_organisation_jsonld(organisation, context["request"]))
