"""The filter sidebar's options, written out in Python.

The list shows some fifty options on every page; writing each in one f-string is several
times faster than a template loop over them (the admin's change list likewise writes its cells
in Python: `django.contrib.admin.templatetags.admin_list.items_for_result`). Every value from
the data goes through `escape`, as `{{ }}` would; the markup around the options stays in
includes/facet.html.
"""

from html import escape  # what django.utils.html.escape calls, without its lazy-text wrapper

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def checkbox_options(options, name, field_id):
    """An `<li>` with a checkbox for each `Option`, its label saying how many results it
    would give; disabled if that is none (unless it is chosen, so it can be unchosen)."""
    name, field_id = escape(name), escape(field_id)
    items = []
    for n, option in enumerate(options):
        disabled = option.disabled
        items.append(
            f'<li class="choice{" choice--empty" if disabled else ""}">\n'
            f'  <input type="checkbox" name="{name}" value="{escape(option.value)}" '
            f'id="{field_id}_{n}"{" checked" if option.selected else ""}'
            f"{' disabled' if disabled else ''}>\n"
            f'  <label for="{field_id}_{n}">{escape(option.label)} <span class="count">'
            f'({option.count:d}<span class="visually-hidden"> '
            f"organisation{'' if option.count == 1 else 's'}</span>)</span></label>\n"
            "</li>"
        )
    return mark_safe("\n".join(items))


@register.simple_tag
def select_options(options, name):
    """An `<option>` for each `Option`, with its count; the blank choice ("Any organisation")
    has none, except for the status, where it is a choice of its own ("Active or merged")."""
    items = []
    for option in options:
        count = f" ({option.count:d})" if option.value or name == "status" else ""
        items.append(
            f'<option value="{escape(option.value)}"{" selected" if option.selected else ""}'
            f"{' disabled' if option.disabled else ''}>{escape(option.label)}{count}</option>"
        )
    return mark_safe("\n".join(items))
