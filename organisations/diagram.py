"""Affiliation diagrams: where to draw each organisation and affiliation, for
templates/includes/diagram.html to render as inline SVG.

A diagram is one organisation and those it is affiliated with: on its own page
(`organisation_diagram`), and on the network page (`network_diagram`, the neighbourhood of the
organisation chosen there, each neighbour a link to its own neighbourhood). Every arrow points
from an organisation to the one it is affiliated to, led by, funded by, hosts for..., and the
organisation pointed to sits higher: the organisation in the middle row, those it points to
above, those pointing to it below. So a diagram is always complete: it shows every
affiliation of the organisation in its middle, and no organisation without its partners.

What stays true at any size:
- No label overlaps a box, another label or another arrow (`Diagram.clear()`, tested): each
  label goes at the first place along its arrow where it fits; if one does not fit anywhere,
  the organisations move further apart and the labels are placed again.
- No name is cut short: names wrap onto as many lines as they need. Where two organisations
  drawn share an acronym, both are drawn by their full names.
- Text is 16 units, and the picture is never drawn below 0.75px a unit (its `width`
  attribute: the stylesheet only ever widens it), so text never shows below 12px; a picture
  wider than the screen scrolls inside its own box.

There is no randomness and nothing depends on query order: rows are sorted by affiliation
kind, organisation kind, name and slug, and labels are placed in a fixed order, so the same
data always gives the same picture, to the byte.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from .models import Affiliation, Organisation

MARGIN = 8
PER_ROW = 3  # organisations side by side before the picture grows wider
ROW_GAP = 150  # between rows: room for the arrows' labels (grows if they need more)
ROW_GAP_STEP = 50
NODE_WIDTH = 134  # "Conservatoire" in 16-unit semibold, with room to spare
NODE_GAP = 10
NODE_GAP_STEP = 24
SPREAD_TRIES = 12  # times the organisations move further apart for their labels
WIDTH = PER_ROW * (NODE_WIDTH + NODE_GAP) + 2 * MARGIN  # 448: 336px at 0.75, on a 343px phone
NODE_PADDING = 12
NODE_LINE = 19  # 16-unit semibold text
NODE_CHARS = 13  # characters per line of a node's name
LABEL_LINE = 19  # 16-unit text
LABEL_CHARS = 13  # narrower than the space between two arrows at the far end of a row
LABEL_CHAR_WIDTH = 8.8
LABEL_CLEARANCE = 4  # kept free around a label
SMALLEST_SCALE = 0.75  # px per unit: 16-unit text at 12px
ARROW_GAP = 3  # between an arrowhead's tip and the box it points at
BEND = 36  # how far apart the curves of a two-way pair bow
CURVE_STEPS = 16  # straight pieces a curved arrow is checked as
# Where along its arrow a label may go (0 is the tail), in order of preference.
LABEL_PLACES = (0.5, 0.6, 0.4, 0.7, 0.3, 0.8, 0.2, 0.85, 0.15)

# Organisations of a kind together, in the kinds' order; those of no stated kind last.
KIND_ORDER = {kind: n for n, kind in enumerate(Organisation.Kind.values)}


def wrap(text, width, max_lines=None):
    """`text` in lines of at most `width` characters (a longer word is broken with a hyphen);
    beyond `max_lines`, the last line ends with an ellipsis."""
    words = []
    for word in text.split():
        while len(word) > width:
            words.append(word[: width - 1] + "-")
            word = word[width - 1 :]
        words.append(word)
    lines = []
    for word in words:
        if lines and not lines[-1].endswith("-") and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if max_lines and len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


@dataclass(eq=False)
class Node:
    """An organisation's box, drawn with `name`. `x` is its centre, `y` its top; `href` is
    where it links to (none for the organisation of the page it is on)."""

    organisation: Organisation
    name: str = ""
    focal: bool = False
    href: str = ""
    x: float = 0
    y: float = 0
    lines: list = field(init=False)

    def __post_init__(self):
        self.name = self.name or self.organisation.short_name
        self.lines = wrap(self.name, NODE_CHARS)

    width = NODE_WIDTH

    @property
    def height(self):
        return 2 * NODE_PADDING + NODE_LINE * len(self.lines)

    @property
    def left(self):
        return round(self.x - self.width / 2, 1)

    @property
    def centre(self):
        return self.x, self.y + self.height / 2

    @property
    def box(self):
        return (self.x - self.width / 2, self.y, self.x + self.width / 2, self.y + self.height)

    @property
    def text(self):
        """[(baseline, line)] of the name, centred in the box."""
        return [
            (round(self.y + NODE_PADDING + NODE_LINE * (i + 1) - 5, 1), line)
            for i, line in enumerate(self.lines)
        ]


@dataclass(eq=False)
class Edge:
    """One arrow: `source` <each of labels> `target`, e.g. MEC "National affiliate of" ISME.
    Every affiliation from one organisation to another shares an arrow, one label each."""

    source: Node
    target: Node
    labels: list
    bend: float = 0  # a two-way pair's arrows bow apart
    path: str = ""
    points: list = field(default_factory=list)  # the arrow as straight pieces, tail first
    label_x: float = 0
    label_box: tuple = ()  # (left, top, right, bottom), clearance included
    label_lines: list = field(default_factory=list)  # [(baseline, text)]

    @property
    def sentence(self):
        """'MEC national affiliate of ISME': how to read the arrow."""
        label = self.labels[0]
        return f"{self.source.name} {label[:1].lower()}{label[1:]} {self.target.name}"


@dataclass
class Diagram:
    id: str
    title: str
    nodes: list
    edges: list
    width: float = WIDTH
    height: float = 0

    @property
    def example(self):
        return self.edges[0].sentence if self.edges else ""

    @property
    def smallest_width(self):
        """The width in px (the SVG's `width`) below which its text would show under 12px."""
        return math.ceil(self.width * SMALLEST_SCALE)

    @property
    def smallest_height(self):
        return math.ceil(self.height * SMALLEST_SCALE)

    def clear(self):
        """Whether every label is clear of every box, every other label and every other
        arrow."""
        boxes = [node.box for node in self.nodes]
        for i, edge in enumerate(self.edges):
            others = [e.label_box for e in self.edges[:i]]
            if any(_overlap(edge.label_box, box) for box in [*boxes, *others]):
                return False
            if any(_crosses(edge.label_box, e.points) for e in self.edges if e is not edge):
                return False
        return True


def organisation_diagram(organisation, link=None, **diagram):
    """`organisation` (a `for_detail()` or `for_network()` row) and the organisations it is
    affiliated with, or None if there are none. `link(organisation)` is where each other
    organisation's box links to (its page, unless given). It draws organisations only: an
    affiliation with a kind of organisation or a policy (`Affiliation.described`) is in the
    list after it."""
    outgoing = [a for a in organisation.affiliations.all() if a.other_id]
    incoming = list(organisation.affiliations_received.all())
    if not outgoing and not incoming:
        return None
    link = link or (lambda org: org.get_absolute_url())
    others = {}
    first_kind = {}  # other pk: its affiliations' first kind, for ordering
    links = []  # (source pk, target pk, kind)
    for affiliation in outgoing + incoming:
        is_outgoing = affiliation.organisation_id == organisation.pk
        other = affiliation.other if is_outgoing else affiliation.organisation
        kind = Affiliation.ORDER[affiliation.kind]
        first_kind[other.pk] = min(kind, first_kind.get(other.pk, kind))
        others[other.pk] = other
        links.append((affiliation.organisation_id, affiliation.other_id, affiliation.kind))
    names = _names([organisation, *others.values()])
    nodes = {organisation.pk: Node(organisation, names[organisation.pk], focal=True)}
    for pk, other in others.items():
        nodes[pk] = Node(other, names[pk], href=link(other))
    pointed_to = {a.other_id for a in outgoing}
    above = [nodes[pk] for pk in others if pk in pointed_to]
    below = [nodes[pk] for pk in others if pk not in pointed_to]

    def order(node):
        return first_kind[node.organisation.pk], *_org_order(node)

    rows = [sorted(above, key=order), [nodes[organisation.pk]], sorted(below, key=order)]
    diagram = Diagram(
        **{
            "id": f"diagram-{organisation.slug}",
            "title": f"Affiliations of {organisation.display_name}",
            **diagram,
        },
        nodes=_by_slug(nodes.values()),
        edges=_edges(links, nodes),
    )
    rows = [row for row in rows if row]
    # Placed, and again with the organisations further apart, until every label fits.
    for attempt in range(SPREAD_TRIES):
        _place(diagram, rows, ROW_GAP + attempt * ROW_GAP_STEP, NODE_GAP + attempt * NODE_GAP_STEP)
        _route(diagram)
        if diagram.clear():
            break
    return diagram


def network_diagram(organisation, link):
    """The network page's diagram: `organisation`'s neighbourhood, each neighbour linking to
    its own (`link(organisation)`)."""
    return organisation_diagram(
        organisation,
        link,
        id="diagram-network",
        title=f"The affiliations of {organisation.display_name}",
    )


# Layout ----------------------------------------------------------------------------------------


def _names(organisations):
    """{pk: the name to draw}: the acronym, or the full name where two would share one."""
    short = Counter(org.short_name.casefold() for org in organisations)
    return {
        org.pk: org.short_name if short[org.short_name.casefold()] == 1 else org.name
        for org in organisations
    }


def _by_slug(nodes):
    return sorted(nodes, key=lambda node: node.organisation.slug)


def _org_order(node):
    org = node.organisation
    return KIND_ORDER.get(org.kind, len(KIND_ORDER)), org.name, org.slug


def _edges(links, nodes):
    """One Edge per (source, target), labelled with each kind once, in Affiliation.Kind order."""
    kinds = defaultdict(set)
    for source, target, kind in links:
        kinds[source, target].add(kind)
    edges = [
        Edge(
            nodes[source],
            nodes[target],
            [Affiliation.label(kind) for kind in sorted(pair_kinds, key=Affiliation.ORDER.get)],
        )
        for (source, target), pair_kinds in kinds.items()
    ]
    edges.sort(key=lambda e: (e.source.organisation.slug, e.target.organisation.slug))
    for edge in edges:
        if any(e.source is edge.target and e.target is edge.source for e in edges):
            edge.bend = BEND
    return edges


def _place(diagram, rows, gap, spacing):
    """Give each node its position, `rows` top first, `gap` apart, and at least `spacing`
    between the nodes of a row. Sets the diagram's size."""
    widest = max(len(row) for row in rows)
    diagram.width = max(WIDTH, widest * (NODE_WIDTH + spacing) + 2 * MARGIN)
    y = MARGIN
    for r, row in enumerate(rows):
        y += gap if r else 0
        slot = (diagram.width - 2 * MARGIN) / len(row)
        height = max(node.height for node in row)
        for i, node in enumerate(row):
            node.x = round(MARGIN + slot * (i + 0.5), 1)
            node.y = round(y + (height - node.height) / 2, 1)
        y += height
    diagram.height = round(y + MARGIN, 1)


def _route(diagram):
    """Each edge's path, then its label's place: the first of LABEL_PLACES along the arrow
    (on it, else just beside it) where the label is clear of every box, every label placed
    before it and every other arrow, and inside the picture."""
    for edge in diagram.edges:
        start, control, end = _curve(edge)
        if edge.bend:
            edge.path = f"M{_xy(start)} Q{_xy(control)} {_xy(end)}"
            steps = [i / CURVE_STEPS for i in range(CURVE_STEPS + 1)]
        else:
            edge.path = f"M{_xy(start)} L{_xy(end)}"
            steps = [0, 1]
        edge.points = [_at(start, control, end, t) for t in steps]
    taken = [node.box for node in diagram.nodes]
    for edge in diagram.edges:
        start, control, end = _curve(edge)
        lines = [line for label in edge.labels for line in wrap(label, LABEL_CHARS)]
        width = max(map(len, lines)) * LABEL_CHAR_WIDTH + 2 * LABEL_CLEARANCE
        height = len(lines) * LABEL_LINE + 2 * LABEL_CLEARANCE
        arrows = [e.points for e in diagram.edges if e is not edge]
        # On the arrow, then beside it (first on the side a curved arrow bows to); if none
        # is clear, the middle (and the rows move apart).
        side = 1 if edge.bend and control[0] >= (start[0] + end[0]) / 2 else -1
        places = [(t, 0) for t in LABEL_PLACES]
        places += [(t, shift) for shift in (side, -side) for t in LABEL_PLACES]
        for t, shift in [*places, (0.5, 0)]:
            x, y = _at(start, control, end, t)
            x += shift * (width / 2 + 1)
            x = min(max(x, width / 2), diagram.width - width / 2)  # inside the picture
            box = (x - width / 2, y - height / 2, x + width / 2, y + height / 2)
            clear = not any(_overlap(box, other) for other in taken)
            if clear and not any(_crosses(box, points) for points in arrows):
                break
        taken.append(box)
        edge.label_x = round(x, 1)
        edge.label_box = box
        top = box[1] + LABEL_CLEARANCE
        edge.label_lines = [
            (round(top + LABEL_LINE * (i + 1) - 5, 1), line) for i, line in enumerate(lines)
        ]


def _curve(edge):
    """(start, control, end): from the source's box to just short of the target's box."""
    (sx, sy), (tx, ty) = edge.source.centre, edge.target.centre
    length = math.hypot(tx - sx, ty - sy) or 1
    normal = (-(ty - sy) / length, (tx - sx) / length)
    control = ((sx + tx) / 2 + normal[0] * edge.bend, (sy + ty) / 2 + normal[1] * edge.bend)
    start = _boundary(edge.source, control)
    end = _boundary(edge.target, control)
    # Step back from the target's box, so the arrowhead's tip shows.
    dx, dy = end[0] - control[0], end[1] - control[1]
    distance = math.hypot(dx, dy) or 1
    end = (end[0] - dx / distance * ARROW_GAP, end[1] - dy / distance * ARROW_GAP)
    return start, control, end


def _boundary(node, towards):
    """Where the line from the node's centre towards a point leaves its box."""
    cx, cy = node.centre
    dx, dy = towards[0] - cx, towards[1] - cy
    scales = [s for s in (_ratio(node.width / 2, dx), _ratio(node.height / 2, dy)) if s]
    scale = min(scales) if scales else 0
    return cx + dx * scale, cy + dy * scale


def _ratio(half, delta):
    return half / abs(delta) if delta else None


def _at(start, control, end, t):
    """The point at `t` along the quadratic curve (a straight line when control is between)."""
    u = 1 - t
    return (
        u * u * start[0] + 2 * u * t * control[0] + t * t * end[0],
        u * u * start[1] + 2 * u * t * control[1] + t * t * end[1],
    )


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _xy(point):
    return f"{_n(point[0])} {_n(point[1])}"


def _n(value):
    """A coordinate to one decimal place, without a trailing ".0"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _crosses(box, points):
    """Whether the line through `points` passes through `box`."""
    return any(_segment_crosses(box, a, b) for a, b in pairwise(points))


def _segment_crosses(box, a, b):
    """Whether the segment from `a` to `b` passes through the inside of `box` (clipped to it,
    Liang-Barsky: what is left of the segment has length)."""
    low, high = 0.0, 1.0
    dx, dy = b[0] - a[0], b[1] - a[1]
    for p, q in (
        (-dx, a[0] - box[0]),
        (dx, box[2] - a[0]),
        (-dy, a[1] - box[1]),
        (dy, box[3] - a[1]),
    ):
        if p == 0:
            if q <= 0:
                return False
        elif p < 0:
            low = max(low, q / p)
        else:
            high = min(high, q / p)
        if low >= high:
            return False
    return True
