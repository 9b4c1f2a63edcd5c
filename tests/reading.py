"""Reading what the site sends as a reader, or a browser, meets it; and what it costs.

- `read(response)`: the page as a tree of elements (the standard library's HTML parser), to
  find forms, tables, links and text in, as `find_all`, `find` and `one` do
  (tests/admin_forms.py reads forms with it, as a browser submits them).
- `visible(response)`: the page's text as a reader sees it (not the contents of scripts and
  styles), folded for comparison: `normalise`. `content(response)`: its markup.
- `inline_code(response)`: what a strict Content-Security-Policy would block on the page.
- `count_queries` and `get_counting`: how many queries a request costs; `Queries`, how
  many anything else does.
"""

import csv
import html
import io
import re
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit
from xml.etree import ElementTree

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

# Elements that never have contents, so never a closing tag.
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
# An element that a new one of these closes, as a browser closes it, if left open.
CLOSED_BY = {
    "li": {"li"}, "option": {"option"}, "tr": {"tr"}, "td": {"td", "th", "tr"},
    "th": {"td", "th", "tr"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "p": {"p"},
}  # fmt: skip
# What a reader never sees as text: code and style.
UNSEEN = {"script", "style", "template"}
# Elements that sit within a line of text: the others (paragraphs, list items, headings,
# table cells, line breaks...) set their text apart from what is around it.
INLINE = {
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "label",
    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "tspan", "u",
    "var",
}  # fmt: skip


def detail_url(slug):
    return reverse("organisations:detail", kwargs={"slug": slug})


def normalise(text):
    """`text` as a reader compares it: character references read, every run of white space
    (non-breaking spaces too) one space, none at either end, case folded."""
    return fold(html.unescape(text))


def fold(text):
    """`normalise` for text whose character references are already read."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip().casefold()


def content(response):
    """The text of a response (a test client's, streamed or not, or tests.servers.Browser's),
    or of markup given as str or bytes."""
    if isinstance(response, str):
        return response
    if isinstance(response, bytes):
        return response.decode()
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def csv_rows(response):
    """The rows of a CSV download (lists of cells), after checking that it starts with the
    byte-order mark Excel needs to read it as UTF-8 (organisations/exports.py, BOM)."""
    text = content(response)
    assert text.startswith("\ufeff"), "a CSV starts with a byte-order mark"
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


ATOM = "{http://www.w3.org/2005/Atom}"


def atom(response):
    """An Atom feed's root element (xml.etree), after checking what RFC 4287 requires of it:
    the feed's id, title and updated, and a link (an entry's or its own), and each entry's id,
    title, updated and link; ids absolute, dates RFC 3339."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for element in [feed, *feed.findall(f"{ATOM}entry")]:
        for required in ("id", "title", "updated"):
            found = element.findall(f"{ATOM}{required}")
            assert len(found) == 1 and found[0].text, f"{element.tag} has one {required}"
        assert urlsplit(element.find(f"{ATOM}id").text).scheme in ("http", "https", "tag")
        datetime.fromisoformat(element.find(f"{ATOM}updated").text)
        links = element.findall(f"{ATOM}link")
        alternate = [link for link in links if link.get("rel", "alternate") == "alternate"]
        assert alternate and alternate[0].get("href")
    return feed


def entry_links(response):
    """The address each entry of an Atom feed links to, in the feed's order."""
    return [
        entry.find(f"{ATOM}link").get("href") for entry in atom(response).findall(f"{ATOM}entry")
    ]


class Comment(str):
    """A comment in the markup: never text a reader sees."""


class Element:
    """An element of a page: its `tag`, its `attrs` (values unescaped) and its `children`
    (elements, text and comments), and `markup`, the part of the page it was read from."""

    def __init__(self, tag, attrs, source, start, line):
        self.tag, self.attrs, self.children = tag, attrs, []
        self._source, self._start, self._end = source, start, start
        self.line = line

    def __repr__(self):
        return f"<{self.tag} {self.attrs!r} at line {self.line}>"

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    def has_class(self, name):
        return name in (self.attrs.get("class") or "").split()

    @property
    def elements(self):
        """The elements directly inside this one."""
        return [child for child in self.children if isinstance(child, Element)]

    @property
    def markup(self):
        return self._source[self._start : self._end]

    def iter(self):
        """Every element inside this one, in the order of the page."""
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def comments(self):
        """The text of every comment inside this one."""
        for child in self.children:
            if isinstance(child, Comment):
                yield str(child)
            elif isinstance(child, Element):
                yield from child.comments()

    def matches(self, tag=None, **attrs):
        """Is this a `tag` element with these attributes? `class_="x"`: one of its classes
        is x; `name=True`: it has the attribute. A name's trailing underscore is dropped
        (`for_`) and its other underscores stand for hyphens (`aria_current="page"`)."""
        if tag is not None and self.tag != tag:
            return False
        for name, wanted in attrs.items():
            name = name.rstrip("_").replace("_", "-")
            if name not in self.attrs:
                return False
            if name == "class" and wanted is not True:
                if not self.has_class(wanted):
                    return False
            elif wanted is not True and self.attrs[name] != wanted:
                return False
        return True

    def find_all(self, tag=None, **attrs):
        return [element for element in self.iter() if element.matches(tag, **attrs)]

    def find(self, tag=None, **attrs):
        """The first such element inside this one, or None."""
        return next((e for e in self.iter() if e.matches(tag, **attrs)), None)

    def one(self, tag=None, **attrs):
        """The one such element inside this one: there must be exactly one."""
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag or '*'} {attrs}> in {self!r}"
        return found[0]

    def strings(self):
        """The text inside, piece by piece, as the page has it (scripts' and styles' too)."""
        for child in self.children:
            if isinstance(child, Element):
                yield from child.strings()
            elif not isinstance(child, Comment):
                yield child

    @property
    def own_text(self):
        """Its own text, not that of the elements inside it, white space collapsed."""
        return " ".join("".join(c for c in self.children if type(c) is str).split())

    @property
    def raw_text(self):
        """The text inside, unchanged: what a text area holds, or a script."""
        return "".join(self.strings())

    @property
    def text(self):
        """The text a reader sees inside, folded (`normalise`): without scripts, styles or
        comments, and with a space around each element that is not `INLINE`."""
        return fold("".join(self._seen()))

    def _seen(self):
        for child in self.children:
            if isinstance(child, Element):
                if child.tag in UNSEEN:
                    continue
                apart = "" if child.tag in INLINE else " "
                yield apart
                yield from child._seen()
                yield apart
            elif not isinstance(child, Comment):
                yield child


class _TreeBuilder(HTMLParser):
    def __init__(self, source):
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.root = Element("#document", {}, source, 0, 1)
        self.stack = [self.root]

    def position(self):
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def close_to(self, depth, end):
        while len(self.stack) > depth:
            self.stack.pop()._end = end

    def handle_starttag(self, tag, attrs):
        start = self.position()
        while tag in CLOSED_BY.get(self.stack[-1].tag, ()):
            self.close_to(len(self.stack) - 1, start)
        values = {}
        for name, value in attrs:
            values.setdefault(name, "" if value is None else value)  # the first one counts
        element = Element(tag, values, self.source, start, self.getpos()[0])
        self.stack[-1].children.append(element)
        element._end = start + len(self.get_starttag_text())
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                start = self.position()
                self.close_to(depth, self.source.find(">", start) + 1 or len(self.source))
                return
        # A closing tag with nothing open to close: ignored, as a browser ignores it.

    def handle_data(self, data):
        children = self.stack[-1].children
        if children and type(children[-1]) is str:
            children[-1] += data
        else:
            children.append(data)

    def handle_comment(self, data):
        self.stack[-1].children.append(Comment(data))


def read(response):
    """The page (a response, or markup) as a tree: its root element, `#document`. (Given an
    element, that element.)"""
    if isinstance(response, Element):
        return response
    source = content(response)
    builder = _TreeBuilder(source)
    builder.feed(source)
    builder.close()
    builder.close_to(0, len(source))
    builder.root._end = len(source)
    return builder.root


def visible(response):
    """The page's text as a reader sees it, folded for comparison."""
    return read(response).text


def fact(response, term):
    """The <dd> after the <dt> `term` in an organisation's facts (its page's <dl class="facts">),
    or None."""
    found = False
    for element in read(response).one("dl", class_="facts").iter():
        if element.tag == "dt":
            found = element.raw_text.strip() == term
        elif element.tag == "dd" and found:
            return element
    return None


# Script types that hold data, not code: the policy does not apply to them.
DATA_BLOCKS = {"application/json", "application/ld+json"}


def inline_code(response):
    """What a Content-Security-Policy without 'unsafe-inline' would block on the page, each
    with its line: inline scripts, style elements and attributes, event handler attributes,
    and javascript: URLs."""
    found = []
    for element in read(response).iter():
        tag, where = element.tag, f"at line {element.line}"
        if (
            tag == "script"
            and "src" not in element.attrs
            and element.get("type") not in DATA_BLOCKS
        ):
            found.append(f"inline <script> {where}")
        if tag == "style":
            found.append(f"<style> {where}")
        for name, value in element.attrs.items():
            if name == "style" or name.startswith("on"):
                found.append(f"<{tag} {name}=...> {where}")
            if name in ("href", "src", "action") and value.strip().lower().startswith(
                "javascript:"
            ):
                found.append(f"<{tag} {name}=javascript:...> {where}")
    return found


# What a request costs -----------------------------------------------------------------------

# What ATOMIC_REQUESTS adds inside a test's transaction: not the page's own queries.
SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


class Queries(CaptureQueriesContext):
    """`with Queries() as queries: ...`, then `queries.count`: the queries made meanwhile,
    not counting the savepoints that ATOMIC_REQUESTS makes inside a test's transaction."""

    def __init__(self):
        super().__init__(connection)

    @property
    def count(self):
        return sum(not query["sql"].startswith(SAVEPOINTS) for query in self.captured_queries)


def get_counting(client, url, **headers):
    """(the response to a GET of `url`, how many queries it cost), a streamed response read
    to the end (where its queries are made): its text is then `content(response)`."""
    with Queries() as queries:
        response = client.get(url, headers=headers)
        if response.streaming:
            response.streaming_content = [b"".join(response.streaming_content)]
    return response, queries.count


def count_queries(client, url, **headers):
    """How many queries a successful GET of `url` costs."""
    response, count = get_counting(client, url, **headers)
    assert response.status_code == 200, url
    return count
