"""Driving admin forms as a browser does: read the rendered form, change it, submit it."""

from html.parser import HTMLParser

from django.urls import reverse

from organisations.models import Organisation


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


class _FormParser(HTMLParser):
    """Collects what a browser would submit, unchanged, from the <form> with id `form_id`."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id = form_id
        self.in_form = False
        self.fields = []
        self._textarea = None  # [name, text]
        self._select = None  # (name, multiple, [(value, selected)])

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = attrs.get("id") == self.form_id
        name = attrs.get("name")
        if not self.in_form or "disabled" in attrs:
            return
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "reset", "image", "file"):
                self.fields.append((name, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = (name, "multiple" in attrs, [])
        elif tag == "option" and self._select:
            self._select[2].append((attrs.get("value", ""), "selected" in attrs))

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self._textarea:
            name, text = self._textarea
            # Browsers drop the newline that Django writes straight after <textarea>, and
            # submit its line breaks as CRLF (the HTML standard's form submission).
            self.fields.append((name, text.removeprefix("\n").replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "select" and self._select:
            name, multiple, options = self._select
            chosen = [value for value, selected in options if selected]
            if not chosen and not multiple and options:
                chosen = [options[0][0]]
            self.fields.extend((name, value) for value in chosen)
            self._select = None


def form_data(response, form_id):
    """The data of the form `form_id` on the page, as submitting it unchanged would send it."""
    parser = _FormParser(form_id)
    parser.feed(response.content.decode())
    data = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    assert data, f"no form {form_id!r} on the page"
    return data


def add_inline_row(data, prefix, **values):
    """Add a row to inline `prefix` as the "Add another" button does: copy the empty form."""
    index = int(data[f"{prefix}-TOTAL_FORMS"][0])
    template = f"{prefix}-__prefix__-"
    for name, value in list(data.items()):
        if name.startswith(template):
            data[f"{prefix}-{index}-{name.removeprefix(template)}"] = value
    for field, value in values.items():
        data[f"{prefix}-{index}-{field}"] = [str(value)]
    data[f"{prefix}-TOTAL_FORMS"] = [str(index + 1)]
    return data


def content(response):
    return response.content.decode()


def organisation_change(client, slug):
    organisation = Organisation.objects.get(slug=slug)
    return organisation, client.get(url(Organisation, "change", organisation.pk))
