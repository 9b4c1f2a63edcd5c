"""Affiliation diagrams: where to draw each organisation and affiliation, for
templates/includes/diagram.html to render as inline SVG.

The layout is layered, so it reads on a narrow phone: every arrow points from an organisation
to the one it is affiliated to, led by, funded by, hosts for..., and the organisation pointed
to sits higher. An organisation's page (`organisation_diagram`) puts it in the middle row,
those it points to above and those pointing to it below. The network page (`network_diagram`)
stacks each connected group of organisations in layers (an organisation sits one layer below
the highest it points to), then the organisations with no affiliations.

There is no randomness and nothing depends on query order: rows are sorted by affiliation
kind, organisation kind, name and slug, and labels are placed in a fixed order, so the same
data always gives the same picture, to the byte.

Sizes are in the SVG's own units. The picture is at least `WIDTH` wide and scales to the
width of the page: on a 375px phone (343px of content) text of 16 units shows at 12.6px.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field

from .models import Affiliation, Organisation

MARGIN = 8
PER_ROW = 3  # organisations side by side before the picture grows wider (and smaller)
ROW_GAP = 150  # between connected rows: room for the arrows' labels
GROUP_GAP = 72  # between the network's groups
NODE_WIDTH = 128
NODE_GAP = 12
WIDTH = PER_ROW * (NODE_WIDTH + NODE_GAP) + 2 * MARGIN  # 436
NODE_PADDING = 12
NODE_LINE = 19  # 16-unit semibold text
NODE_CHARS = 13  # characters per line of a node's name
NODE_LINES = 3
LABEL_LINE = 19  # 16-unit text
LABEL_CHARS = 22
LABEL_CHAR_WIDTH = 8.8
ARROW_GAP = 3  # between an arrowhead's tip and the box it points at
BEND = 36  # how far apart the curves of a two-way pair bow
# Where along its arrow a label may go (0 is the tail), in order of preference.
LABEL_PLACES = (0.5, 0.62, 0.38, 0.72, 0.28, 0.8, 0.2)

# Organisations of a kind together, in the kinds' order; those of no stated kind last.
KIND_ORDER = {kind: n for n, kind in enumerate(Organisation.Kind.values)}


def wrap(text, width, max_lines=None):
    """`text` in lines of at most `width` characters (a longer word gets a line of its own);
    beyond `max_lines`, the last line ends with an ellipsis."""
    lines = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if max_lines and len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


@dataclass(eq=False)
class Node:
    """An organisation's box. `x` is its centre, `y` its top."""

    organisation: Organisation
    focal: bool = False
    x: float = 0
    y: float = 0
    lines: list = field(init=False)

    def __post_init__(self):
        self.lines = wrap(self.organisation.short_name, NODE_CHARS, NODE_LINES)

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
    Every affiliation from one organisation to another shares an arrow, one label line each."""

    source: Node
    target: Node
    labels: list
    bend: float = 0  # a two-way pair's arrows bow apart
    path: str = ""
    label_x: float = 0
    label_lines: list = field(default_factory=list)  # [(baseline, text)]

    @property
    def sentence(self):
        """'MEC national affiliate of ISME': how to read the arrow."""
        label = self.labels[0]
        return (
            f"{self.source.organisation.short_name} {label[:1].lower()}{label[1:]} "
            f"{self.target.organisation.short_name}"
        )


@dataclass
class Diagram:
    id: str
    title: str
    nodes: list
    edges: list
    width: float = WIDTH
    height: float = 0
    notes: list = field(default_factory=list)  # [(x, baseline, text)]: unlinked captions

    @property
    def example(self):
        return self.edges[0].sentence if self.edges else ""


def organisation_diagram(organisation):
    """`organisation` (a `for_detail()` row) and the organisations it is affiliated with, or
    None if there are none. It draws organisations only: an affiliation with a kind of
    organisation or a policy (`Affiliation.described`) is in the list after it."""
    outgoing = [a for a in organisation.affiliations.all() if a.other_id]
    incoming = list(organisation.affiliations_received.all())
    if not outgoing and not incoming:
        return None
    focal = Node(organisation, focal=True)
    nodes = {organisation.pk: focal}
    first_kind = {}  # neighbour pk: its affiliations' first kind, for ordering
    links = []  # (source pk, target pk, kind)
    above, below = [], []
    for affiliation in outgoing + incoming:
        is_outgoing = affiliation.organisation_id == organisation.pk
        other = affiliation.other if is_outgoing else affiliation.organisation
        kind = Affiliation.ORDER[affiliation.kind]
        first_kind[other.pk] = min(kind, first_kind.get(other.pk, kind))
        if other.pk not in nodes:
            nodes[other.pk] = Node(other)
        links.append((affiliation.organisation_id, affiliation.other_id, affiliation.kind))
    pointed_to = {a.other_id for a in outgoing}
    for pk, node in nodes.items():
        if pk != organisation.pk:
            (above if pk in pointed_to else below).append(node)

    def order(node):
        return first_kind[node.organisation.pk], *_org_order(node)

    rows = [sorted(above, key=order), [focal], sorted(below, key=order)]
    diagram = Diagram(
        id=f"diagram-{organisation.slug}",
        title=f"Affiliations of {organisation.display_name}",
        nodes=_by_slug(nodes.values()),
        edges=_edges(links, nodes),
    )
    _place(diagram, [[row for row in rows if row]])
    _route(diagram)
    return diagram


def network_diagram(organisations):
    """Every organisation in `organisations` and every affiliation between them.
    `organisations` must have their `affiliations` prefetched (see `for_network()`)."""
    nodes = {org.pk: Node(org) for org in organisations}
    links = [
        (a.organisation_id, a.other_id, a.kind)
        for org in organisations
        for a in org.affiliations.all()
        if a.other_id in nodes
    ]
    diagram = Diagram(
        id="diagram-network",
        title="The affiliation network of UK music education organisations",
        nodes=_by_slug(nodes.values()),
        edges=_edges(links, nodes),
    )
    neighbours = defaultdict(set)
    for edge in diagram.edges:
        neighbours[edge.source].add(edge.target)
        neighbours[edge.target].add(edge.source)
    groups = [_layers(group, diagram.edges) for group in _components(diagram.nodes, neighbours)]
    alone = sorted((n for n in diagram.nodes if not neighbours[n]), key=_org_order)
    rows = [alone[i : i + PER_ROW] for i in range(0, len(alone), PER_ROW)]
    _place(diagram, groups, alone=rows)
    _route(diagram)
    return diagram


# Layout ----------------------------------------------------------------------------------------


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


def _components(nodes, neighbours):
    """The connected groups of organisations with affiliations, largest first."""
    seen, groups = set(), []
    for node in sorted(nodes, key=lambda n: n.organisation.slug):
        if node in seen or not neighbours[node]:
            continue
        group, todo = [], [node]
        seen.add(node)
        while todo:
            current = todo.pop()
            group.append(current)
            for other in sorted(neighbours[current], key=lambda n: n.organisation.slug):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        groups.append(group)
    groups.sort(key=lambda g: (-len(g), min(n.organisation.slug for n in g)))
    return groups


def _layers(group, edges):
    """A connected group in rows, top first: an organisation sits one row below the highest
    it points to. (Where arrows go round in a circle, the one that closes it points down.)"""
    members = set(group)
    up = defaultdict(list)  # node: the nodes it points to
    for edge in edges:
        if edge.source in members:
            up[edge.source].append(edge.target)
    level, visiting = {}, set()

    def depth(node):
        if node not in level:
            visiting.add(node)
            above = [n for n in up[node] if n not in visiting]  # skip the edge closing a cycle
            level[node] = 1 + max(map(depth, above)) if above else 0
            visiting.discard(node)
        return level[node]

    for node in sorted(group, key=lambda n: n.organisation.slug):
        depth(node)
    rows = [[] for _ in range(max(level.values()) + 1)]
    for node in group:
        rows[level[node]].append(node)
    # The top row by kind and name; each row below under the organisations it points to
    # (the mean of their positions), then the top row again over the row below.
    linked = defaultdict(set)
    for edge in edges:
        if edge.source in members:
            linked[edge.source].add(edge.target)
            linked[edge.target].add(edge.source)
    rows[0].sort(key=_org_order)
    for i in range(1, len(rows)):
        _sort_under(rows[i], rows[i - 1], linked)
    if len(rows) > 1:
        _sort_under(rows[0], rows[1], linked)
    return rows


def _sort_under(row, reference, linked):
    position = {node: i / max(len(reference) - 1, 1) for i, node in enumerate(reference)}

    def key(node):
        near = [position[n] for n in linked[node] if n in position]
        return (sum(near) / len(near) if near else 0.5, *_org_order(node))

    row.sort(key=key)


def _place(diagram, groups, alone=()):
    """Give each node its position: `groups` of connected rows, then rows of unconnected
    organisations under a caption. Sets the diagram's size."""
    widest = max((len(row) for rows in [*groups, alone] for row in rows), default=1)
    diagram.width = max(WIDTH, widest * (NODE_WIDTH + NODE_GAP) + 2 * MARGIN)
    y = MARGIN

    def place_row(row):
        slot = (diagram.width - 2 * MARGIN) / len(row)
        height = max(node.height for node in row)
        for i, node in enumerate(row):
            node.x = round(MARGIN + slot * (i + 0.5), 1)
            node.y = round(y + (height - node.height) / 2, 1)
        return height

    for g, rows in enumerate(groups):
        y += GROUP_GAP if g else 0
        for r, row in enumerate(rows):
            y += ROW_GAP if r else 0
            y += place_row(row)
    if alone:
        y += GROUP_GAP if groups else 0
        diagram.notes.append((diagram.width / 2, y + 15, "No recorded affiliations:"))
        y += 30
        for r, row in enumerate(alone):
            y += 16 if r else 0
            y += place_row(row)
    diagram.height = round(y + MARGIN, 1)


def _route(diagram):
    """Each edge's path and its label's place: the first of LABEL_PLACES along the arrow
    where the label overlaps no box and no label placed before it."""
    taken = [_grow(node.box, 4) for node in diagram.nodes]
    for edge in diagram.edges:
        start, control, end = _curve(edge)
        if edge.bend:
            edge.path = f"M{_xy(start)} Q{_xy(control)} {_xy(end)}"
        else:
            edge.path = f"M{_xy(start)} L{_xy(end)}"
        lines = [line for label in edge.labels for line in wrap(label, LABEL_CHARS)]
        width = max(map(len, lines)) * LABEL_CHAR_WIDTH + 8
        height = len(lines) * LABEL_LINE + 4
        for t in LABEL_PLACES:
            x, y = _at(start, control, end, t)
            x = min(max(x, width / 2), diagram.width - width / 2)  # inside the picture
            box = (x - width / 2, y - height / 2, x + width / 2, y + height / 2)
            if not any(_overlap(box, other) for other in taken):
                break
        else:
            x, y = _at(start, control, end, 0.5)
            x = min(max(x, width / 2), diagram.width - width / 2)
            box = (x - width / 2, y - height / 2, x + width / 2, y + height / 2)
        taken.append(box)
        edge.label_x = round(x, 1)
        edge.label_lines = [
            (round(box[1] + 2 + LABEL_LINE * (i + 1) - 5, 1), line) for i, line in enumerate(lines)
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


def _grow(box, by):
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _xy(point):
    return f"{_n(point[0])} {_n(point[1])}"


def _n(value):
    """A coordinate to one decimal place, without a trailing ".0"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text
