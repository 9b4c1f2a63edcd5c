"""Checking that quoted facts are really in their source texts.

One rule, used by the models' `clean()` (so the admin enforces it), by the fixture build and by
`check_sources`: an excerpt appears verbatim in its source, and each quoted field of the record
(a statement's text, a principle's title, a person's words) appears verbatim in its excerpt.
"""


def quotation_errors(excerpt, source_text, quoted=None):
    """{field name: message} for every way the record misquotes its source; empty if none."""
    if not excerpt:
        return {"excerpt": "Quote the passage of the source this is taken from."}
    if excerpt not in source_text:
        return {"excerpt": "This excerpt does not appear verbatim in the source."}
    return {
        name: f"“{value}” does not appear verbatim in the excerpt."
        for name, value in (quoted or {}).items()
        if value and value not in excerpt
    }
