"""`{% evidence record %}`: beside a fact on an organisation's page, a numbered marker that opens
the passage the fact is quoted from and names its source (a <details> element: it works without
JavaScript). The number is the source's in the page's list of sources, which the page gives as
`cited_sources` ({source id: (number, source)}); elsewhere the tag shows nothing."""

from django import template

register = template.Library()


@register.inclusion_tag("includes/evidence.html", takes_context=True)
def evidence(context, record):
    cited = context.get("cited_sources") or {}
    number, source = cited.get(getattr(record, "source_id", None), (None, None))
    return {"record": record, "number": number, "source": source}
