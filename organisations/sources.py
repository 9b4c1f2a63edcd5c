"""Checking that quoted facts are really in their source texts.

One rule, used by the models' `clean()` (so the admin enforces it), by the fixture build and by
`check_sources`: an excerpt appears verbatim in its source, and each quoted field of the record
(a statement's text, a principle's title, a person's words) appears verbatim in its excerpt.

"Verbatim" is about the words and their punctuation, not the layout: line endings (a browser
sends CRLF) and runs of white space (non-breaking spaces included) count as one space. Curly
and straight quotes, dashes and hyphens still differ, and when an excerpt is not found the
message says where the closest passage of the source first differs, and how.
"""

import unicodedata

# How much of the text before a difference the message quotes, to say where it is.
CONTEXT = 30
# A matching start shorter than this is no "closest passage": the excerpt is from elsewhere.
MIN_MATCH = 8

# Characters that look alike but differ, named for the message.
LOOKALIKES = {
    "'": "a straight apostrophe",
    "’": "a curly apostrophe",
    "‘": "an opening curly quote",
    '"': "a straight double quote",
    "“": "an opening curly double quote",
    "”": "a closing curly double quote",
    "-": "a hyphen",
    "–": "an en dash",
    "—": "an em dash",
    "…": "an ellipsis",
}


def normalise_newlines(text):
    """`text` with LF line endings, whatever it came with (CRLF from a browser, or CR)."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def comparable(text):
    """`text` as the rule compares it: every run of white space (line breaks and non-breaking
    spaces included) one space, none at either end."""
    return " ".join(text.split())


def quotation_errors(excerpt, source_text, quoted=None):
    """{field name: message} for every way the record misquotes its source; empty if none."""
    if not comparable(excerpt or ""):
        return {"excerpt": "Quote the passage of the source this is taken from."}
    excerpt, source_text = comparable(excerpt), comparable(source_text)
    if excerpt not in source_text:
        hint = where(excerpt, source_text)
        return {"excerpt": f"This excerpt does not appear verbatim in the source. {hint}"}
    return {
        name: f"“{value}” does not appear verbatim in the excerpt. "
        + where(comparable(value), excerpt)
        for name, value in (quoted or {}).items()
        if value and comparable(value) not in excerpt
    }


def where(quotation, text):
    """Where the passage of `text` that starts most like `quotation` first differs from it, and
    how: both already `comparable`."""
    matched = _longest_prefix_in(quotation, text)
    if matched < MIN_MATCH:
        return (
            "No passage of it begins like this: check the start, and that this is the right source."
        )
    position = text.index(quotation[:matched]) + matched
    before = quotation[:matched]
    if len(before) > CONTEXT:  # the last few words
        before = "…" + before[-CONTEXT - 1 :].partition(" ")[2]
    lead = f"After “{before}”"
    theirs = text[position : position + 1]
    yours = quotation[matched]
    if not theirs:
        return f"{lead} the text ends, where you typed {_describe(yours)}."
    return f"{lead} the text has {_describe(theirs)} where you typed {_describe(yours)}."


def _longest_prefix_in(quotation, text):
    """The length of the longest start of `quotation` found in `text` (a start found means every
    shorter one is too, so a binary search)."""
    low, high = 0, len(quotation)
    while low < high:
        middle = (low + high + 1) // 2
        if quotation[:middle] in text:
            low = middle
        else:
            high = middle - 1
    return low


def _describe(character):
    if character in LOOKALIKES:
        return f"“{character}” ({LOOKALIKES[character]})"
    if character == " ":
        return "a space"
    if unicodedata.category(character)[0] in "CZ":
        return unicodedata.name(character, f"U+{ord(character):04X}").lower()
    return f"“{character}”"
