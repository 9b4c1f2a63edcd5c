"""Driving admin forms as a browser does: read the rendered form, change it, submit it
(`ChangeForm`; `form_data` and `add_inline_row` for a form read some other way)."""

from django.urls import reverse

from organisations.models import Organisation
from tests.reading import read


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def submitted(form):
    """[(name, value)]: what a browser submits for `form` (an element of `read()`), unchanged.
    (Not its buttons or files, nor anything disabled.)"""
    fields = []
    for element in form.iter():
        name = element.get("name")
        if not name or "disabled" in element.attrs:
            continue
        if element.tag == "input":
            kind = element.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in element.attrs:
                    fields.append((name, element.get("value", "on")))
            elif kind not in ("submit", "button", "reset", "image", "file"):
                fields.append((name, element.get("value", "")))
        elif element.tag == "textarea":
            # Browsers drop the newline that Django writes straight after <textarea>, and
            # submit its line breaks as CRLF (the HTML standard's form submission).
            text = element.raw_text.removeprefix("\n")
            fields.append((name, text.replace("\n", "\r\n")))
        elif element.tag == "select":
            options = [o for o in element.find_all("option") if "disabled" not in o.attrs]
            chosen = [option_value(o) for o in options if "selected" in o.attrs]
            if not chosen and "multiple" not in element.attrs and options:
                chosen = [option_value(options[0])]
            fields.extend((name, value) for value in chosen)
    return fields


def option_value(option):
    """An <option>'s value: its text, white space collapsed, where it has no value."""
    return option.get("value", " ".join(option.raw_text.split()))


def form_data(response, form_id):
    """The data of the form `form_id` on the page, as submitting it unchanged would send it."""
    form = read(response).find("form", id=form_id)
    assert form is not None, f"no form {form_id!r} on the page"
    data = {}
    for name, value in submitted(form):
        data.setdefault(name, []).append(value)
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


class ChangeForm:
    """The admin's change page of `obj` as an editor's browser has it: the `page`, its form's
    `data` (what submitting it unchanged sends: change it first), `add_row` as the "Add
    another" button does, and `save`."""

    def __init__(self, client, obj, query=""):
        self.client, self.object = client, obj
        self.address = url(type(obj), "change", obj.pk) + (f"?{query}" if query else "")
        self.page = client.get(self.address)
        assert self.page.status_code == 200, self.address
        self.data = form_data(self.page, f"{obj._meta.model_name}_form")

    def add_row(self, prefix, **values):
        add_inline_row(self.data, prefix, **values)
        return self

    def save(self, follow=False, **changes):
        """Press Save, with `changes` (field name: value) typed in first."""
        for name, value in changes.items():
            self.data[name] = [str(value)]
        return self.client.post(self.address, self.data, follow=follow)


def first_change_link(changelist):
    """The address of the first object's change page in a change list (a response)."""
    return read(changelist).one("table", id="result_list").one("tbody").find("a").get("href")


def organisation_form(client, slug):
    """The `ChangeForm` of the organisation `slug`."""
    return ChangeForm(client, Organisation.objects.get(slug=slug))
