"""The filter sidebar's options, written out in Python.

The list shows some fifty options on every page; one `format_html` each is several times
faster than a template loop over them, as the admin's change list writes its cells
(`django.contrib.admin.templatetags.admin_list.items_for_result`). The markup around them
stays in includes/facet.html.
"""

from django import template
from django.utils.html import format_html_join

register = template.Library()

CHECKBOX = (
    '<li class="choice{}">\n'
    '  <input type="checkbox" name="{}" value="{}" id="{}_{}"{}{}>\n'
    '  <label for="{}_{}">{} <span class="count">({}'
    '<span class="visually-hidden"> organisation{}</span>)</span></label>\n'
    "</li>"
)

OPTION = '<option value="{}"{}{}>{}{}</option>'


@register.simple_tag
def checkbox_options(options, name, field_id):
    """An `<li>` with a checkbox for each `Option`, its label saying how many results it
    would give; disabled if that is none (unless it is chosen, so it can be unchosen)."""
    return format_html_join(
        "\n",
        CHECKBOX,
        (
            (
                " choice--empty" if option.disabled else "",
                name,
                option.value,
                field_id,
                n,
                " checked" if option.selected else "",
                " disabled" if option.disabled else "",
                field_id,
                n,
                option.label,
                option.count,
                "" if option.count == 1 else "s",
            )
            for n, option in enumerate(options)
        ),
    )


@register.simple_tag
def select_options(options, name):
    """An `<option>` for each `Option`, with its count; the blank choice ("Any organisation")
    has none, except for the status, where it is a choice of its own ("Active or merged")."""
    return format_html_join(
        "\n",
        OPTION,
        (
            (
                option.value,
                " selected" if option.selected else "",
                " disabled" if option.disabled else "",
                option.label,
                f" ({option.count})" if option.value or name == "status" else "",
            )
            for option in options
        ),
    )
