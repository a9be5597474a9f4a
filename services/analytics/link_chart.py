"""A link chart as an analyst draws one: the neighbourhood of an entity as SVG, from
the `GetNeighbourhoodResponse` a viewer would get.

- Records resolved as one identity (same `cluster_id`) are drawn as one node, with a
  double outline and the number of records it stands for.
- Shapes tell the kind (person circle, organization rounded square, event diamond,
  location triangle), fill colours the data owner's country, lines the link type
  (colour and dash, parallel links fanned out), with a legend for each.
- The layout is radial: the centre in the middle, each hop one ring further out,
  and each node placed within the angle its parent in the breadth-first tree
  leaves it, in proportion to the size of its own subtree, so that branches do not
  cross and rings are as wide as they need to be for their nodes not to overlap.

Plain SVG 1.1 text, no library: it opens in any browser and converts with
rsvg-convert or Inkscape.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from xml.sax.saxutils import escape

from icore.analytics.v1 import analytics_service_pb2 as pb
from icore.uim.v1 import entity_pb2, link_pb2

NODE_RADIUS = 16.0
NODE_SPACING = 120.0  # arc length between neighbours on a ring
RING_GAP = 150.0
MARGIN = 70.0
LEGEND_WIDTH = 230.0
LABEL_CHARS = 24
LABEL_WIDTH = 150.0  # room for a label beside a node on the left or right edge

_COUNTRY_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
                    "#9c755f", "#bab0ac", "#1f3b73", "#8cd17d", "#d37295", "#2f8f5b", "#fabfd2", "#79706e")
_LINK_STYLES: dict[int, tuple[str, str]] = {  # colour, dash
    link_pb2.LINK_TYPE_FAMILY: ("#2ca02c", ""),
    link_pb2.LINK_TYPE_ASSOCIATE: ("#7f7f7f", ""),
    link_pb2.LINK_TYPE_MEMBER_OF: ("#d62728", ""),
    link_pb2.LINK_TYPE_OWNER_OF: ("#8c564b", ""),
    link_pb2.LINK_TYPE_DIRECTOR_OF: ("#9467bd", ""),
    link_pb2.LINK_TYPE_EMPLOYEE_OF: ("#bcbd22", "6 3"),
    link_pb2.LINK_TYPE_PARTICIPANT_IN: ("#1f77b4", ""),
    link_pb2.LINK_TYPE_VICTIM_OF: ("#17becf", "6 3"),
    link_pb2.LINK_TYPE_SUSPECT_IN: ("#e41a1c", "2 3"),
    link_pb2.LINK_TYPE_WITNESS_OF: ("#17becf", "2 3"),
    link_pb2.LINK_TYPE_LOCATED_AT: ("#aaaaaa", "4 4"),
    link_pb2.LINK_TYPE_RESIDES_AT: ("#aaaaaa", "8 3 2 3"),
    link_pb2.LINK_TYPE_COMMUNICATES_WITH: ("#ff7f0e", "6 3"),
    link_pb2.LINK_TYPE_TRANSFERRED_FUNDS_TO: ("#006d2c", "10 3"),
}
_KIND_NAMES = {entity_pb2.ENTITY_KIND_PERSON: "person", entity_pb2.ENTITY_KIND_ORGANIZATION: "organization",
               entity_pb2.ENTITY_KIND_EVENT: "event", entity_pb2.ENTITY_KIND_LOCATION: "location"}


@dataclass
class _Node:
    """One drawn node: a record, or every record of one resolved identity."""

    key: str
    entity_ids: list[str]
    kind: int
    label: str
    owners: list[str]
    distance: int
    x: float = 0.0
    y: float = 0.0


def _link_type_name(link_type: int) -> str:
    name = str(link_pb2.LinkType.Name(link_type))  # type: ignore[arg-type,unused-ignore]
    return name.removeprefix("LINK_TYPE_").replace("_", " ").lower()


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _nodes(neighbourhood: pb.GetNeighbourhoodResponse) -> tuple[dict[str, _Node], dict[str, str]]:
    """Drawn nodes by key, and the key of each entity id (one key per identity)."""
    nodes: dict[str, _Node] = {}
    key_of: dict[str, str] = {}
    for node in neighbourhood.nodes:
        key = node.cluster_id or node.entity_id
        key_of[node.entity_id] = key
        drawn = nodes.get(key)
        if drawn is None:
            nodes[key] = _Node(key, [node.entity_id], node.entity_kind, node.label or node.entity_id,
                               [node.data_owner], node.distance)
        else:
            drawn.entity_ids.append(node.entity_id)
            drawn.distance = min(drawn.distance, node.distance)
            if node.data_owner not in drawn.owners:
                drawn.owners.append(node.data_owner)
    return nodes, key_of


def _layout(nodes: dict[str, _Node], centre: str, neighbours: dict[str, list[str]]) -> None:
    """Concentric layout (see the module docstring): ring k holds the nodes k hops
    out, evenly spaced so that none overlap, in the order of the angles of their
    neighbours on the ring inside, and turned to sit as close to them as it can."""
    rings: dict[int, list[str]] = defaultdict(list)
    for key, node in nodes.items():
        rings[0 if key == centre else max(1, node.distance)].append(key)
    angle: dict[str, float] = {centre: 0.0}
    nodes[centre].x = nodes[centre].y = 0.0
    inner = 0.0
    for ring in range(1, max(rings) + 1):
        members = rings.get(ring, [])
        if not members:
            continue
        radius = max(inner + RING_GAP, len(members) * NODE_SPACING / (2 * math.pi))
        wanted = {}
        for key in members:
            placed = [angle[k] for k in neighbours[key] if k in angle]
            if placed:
                wanted[key] = math.atan2(sum(math.sin(a) for a in placed), sum(math.cos(a) for a in placed))
            else:
                wanted[key] = 0.0
        members.sort(key=lambda k: (wanted[k] % (2 * math.pi), nodes[k].label))
        step = 2 * math.pi / len(members)
        # The turn of the evenly spaced ring that best matches the wanted angles (circular mean).
        offset = math.atan2(sum(math.sin(wanted[k] - i * step) for i, k in enumerate(members)),
                            sum(math.cos(wanted[k] - i * step) for i, k in enumerate(members)))
        for i, key in enumerate(members):
            angle[key] = offset + i * step
            nodes[key].x, nodes[key].y = radius * math.cos(angle[key]), radius * math.sin(angle[key])
        inner = radius


def _pie(x: float, y: float, r: float, fills: list[str]) -> str:
    """A circle cut into equal slices, one colour each."""
    parts = []
    for i, fill in enumerate(fills):
        a0, a1 = 2 * math.pi * i / len(fills) - math.pi / 2, 2 * math.pi * (i + 1) / len(fills) - math.pi / 2
        parts.append(f'<path d="M{x:.1f},{y:.1f} L{x + r * math.cos(a0):.1f},{y + r * math.sin(a0):.1f} '
                     f'A{r:.1f},{r:.1f} 0 {int(a1 - a0 > math.pi)},1 {x + r * math.cos(a1):.1f},'
                     f'{y + r * math.sin(a1):.1f} Z" fill="{fill}"/>')
    parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="none" stroke="#222" stroke-width="1.5"/>')
    return "".join(parts)


def _shape(kind: int, x: float, y: float, r: float, fill: str, records: int = 1, fills: list[str] | None = None) -> str:
    """A node's shape for its kind, with an outer outline and its record count when
    it stands for a resolved identity of several records."""
    if kind == entity_pb2.ENTITY_KIND_ORGANIZATION:
        def draw(g: float) -> str:
            return f'<rect x="{x - r - g:.1f}" y="{y - r - g:.1f}" width="{2 * (r + g):.1f}" ' \
                   f'height="{2 * (r + g):.1f}" rx="{0.3 * r + g / 2:.1f}" '
    elif kind == entity_pb2.ENTITY_KIND_EVENT:
        def draw(g: float) -> str:
            d = r + 3 + g * 1.4
            return f'<polygon points="{x:.1f},{y - d:.1f} {x + d:.1f},{y:.1f} {x:.1f},{y + d:.1f} {x - d:.1f},{y:.1f}" '
    elif kind == entity_pb2.ENTITY_KIND_LOCATION:
        def draw(g: float) -> str:
            d = r + 2 + g * 1.6
            return f'<polygon points="{x:.1f},{y - d:.1f} {x + d:.1f},{y + r + g / 2:.1f} ' \
                   f'{x - d:.1f},{y + r + g / 2:.1f}" '
    else:
        def draw(g: float) -> str:
            return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r + g:.1f}" '
    parts = []
    if records > 1:
        parts.append(draw(4.0) + 'fill="white" stroke="#222" stroke-width="1.5"/>')
    if fills and len(fills) > 1 and kind in (entity_pb2.ENTITY_KIND_PERSON, entity_pb2.ENTITY_KIND_UNSPECIFIED):
        parts.append(_pie(x, y, r, fills))
    else:
        parts.append(draw(0.0) + f'fill="{fill}" stroke="#222" stroke-width="1.5"/>')
    if records > 1:
        parts.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="11" font-weight="bold" '
                     f'fill="white" stroke="#222" stroke-width="0.6">{records}</text>')
    return "".join(parts)


def render(neighbourhood: pb.GetNeighbourhoodResponse, title: str = "") -> str:
    """The SVG text of a link chart of the neighbourhood (see the module docstring)."""
    if not neighbourhood.nodes:
        return ('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="80"><text x="20" y="45" '
                'font-family="sans-serif">nothing to draw</text></svg>\n')
    nodes, key_of = _nodes(neighbourhood)
    centre = key_of[neighbourhood.nodes[0].entity_id]
    edges: dict[tuple[str, str], list[pb.GraphEdge]] = defaultdict(list)
    neighbours: dict[str, list[str]] = {key: [] for key in nodes}
    for edge in neighbourhood.edges:
        a, b = key_of.get(edge.from_entity_id), key_of.get(edge.to_entity_id)
        if a is None or b is None or a == b:
            continue  # an identity edge inside one drawn node
        edges[(min(a, b), max(a, b))].append(edge)
        if b not in neighbours[a]:
            neighbours[a].append(b)
            neighbours[b].append(a)
    _layout(nodes, centre, neighbours)
    countries = sorted({owner for node in nodes.values() for owner in node.owners})
    colour = {c: _COUNTRY_COLOURS[i % len(_COUNTRY_COLOURS)] for i, c in enumerate(countries)}
    xs = [n.x for n in nodes.values()]
    ys = [n.y for n in nodes.values()]
    left, top = min(xs) - MARGIN - LABEL_WIDTH, min(ys) - MARGIN - 30
    width = max(xs) - min(xs) + 2 * (MARGIN + LABEL_WIDTH)
    link_types = {edge.link_type for between in edges.values() for edge in between}
    legend_height = 250 + 20 * len(countries) + 20 * len(link_types)
    height = max(max(ys) - min(ys) + 2 * MARGIN + 60, legend_height + 40)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{left:.0f} {top:.0f} {width + LEGEND_WIDTH:.0f} '
           f'{height:.0f}" width="{width + LEGEND_WIDTH:.0f}" height="{height:.0f}" font-family="sans-serif">',
           f'<rect x="{left:.0f}" y="{top:.0f}" width="{width + LEGEND_WIDTH:.0f}" height="{height:.0f}" '
           'fill="white"/>']
    heading = title or f"Link chart of {nodes[centre].label}"
    note = f"{len(neighbourhood.nodes)} records in {len(nodes)} nodes" + \
        (", cut at the node limit" if neighbourhood.truncated else "")
    out.append(f'<text x="{left + 16:.0f}" y="{top + 26:.0f}" font-size="18" font-weight="bold">'
               f'{escape(heading)}</text><text x="{left + 16:.0f}" y="{top + 44:.0f}" font-size="12" '
               f'fill="#555">{escape(note)}</text>')
    used_types: set[int] = set()
    for (a, b), between in sorted(edges.items()):
        x1, y1, x2, y2 = nodes[a].x, nodes[a].y, nodes[b].x, nodes[b].y
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        nx, ny = -(y2 - y1) / length, (x2 - x1) / length
        for n, edge in enumerate(between):
            link_colour, dash = _LINK_STYLES.get(edge.link_type, ("#999", ""))
            used_types.add(edge.link_type)
            bend = (n - (len(between) - 1) / 2) * 18
            cx, cy = (x1 + x2) / 2 + nx * bend, (y1 + y2) / 2 + ny * bend
            dashes = f' stroke-dasharray="{dash}"' if dash else ""
            tip = escape(f"{_link_type_name(edge.link_type)}{': ' + edge.role if edge.role else ''}")
            out.append(f'<path d="M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}" fill="none" '
                       f'stroke="{link_colour}" stroke-width="2" stroke-opacity="0.8"{dashes}>'
                       f'<title>{tip}</title></path>')
    for key in sorted(nodes, key=lambda k: nodes[k].distance, reverse=True):
        node = nodes[key]
        tip = escape("\n".join([node.label, *node.entity_ids, "owner: " + ", ".join(node.owners)]))
        shape = _shape(node.kind, node.x, node.y, NODE_RADIUS, colour[node.owners[0]], len(node.entity_ids),
                       [colour[o] for o in node.owners])
        out.append(f'<g><title>{tip}</title>{shape}</g>')
        out.append(_label(node, key == centre))
    out.append(_legend(left + width, top + 20, countries, colour, sorted(used_types),
                       any(len(n.entity_ids) > 1 for n in nodes.values())))
    out.append("</svg>\n")
    return "\n".join(out)


def _label(node: _Node, centre: bool) -> str:
    """The node's label, outside the ring: right of nodes on the right, left of those
    on the left, below the others."""
    weight = ' font-weight="bold"' if centre else ""
    length = math.hypot(node.x, node.y)
    cos = node.x / length if length else 0.0
    if cos > 0.35:
        x, y, anchor = node.x + NODE_RADIUS + 7, node.y + 4, "start"
    elif cos < -0.35:
        x, y, anchor = node.x - NODE_RADIUS - 7, node.y + 4, "end"
    else:
        below = node.y >= 0 or centre
        x, y, anchor = node.x, node.y + (NODE_RADIUS + 17 if below else -NODE_RADIUS - 9), "middle"
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="12" stroke="white" stroke-width="3" '
            f'paint-order="stroke"{weight}>{escape(_short(node.label))}</text>')


def _legend(x: float, y: float, countries: list[str], colour: dict[str, str], link_types: list[int],
            identities: bool) -> str:
    out = [f'<g font-size="12"><text x="{x:.0f}" y="{y + 12:.0f}" font-weight="bold">Kinds</text>']
    row = y + 32
    for kind, name in _KIND_NAMES.items():
        out.append(_shape(kind, x + 12, row - 4, 6, "#ddd"))
        out.append(f'<text x="{x + 30:.0f}" y="{row:.0f}">{name}</text>')
        row += 24
    if identities:
        out.append(_shape(entity_pb2.ENTITY_KIND_PERSON, x + 12, row - 2, 8, "#999", 2))
        out.append(f'<text x="{x + 30:.0f}" y="{row:.0f}">one identity of n records</text>')
        row += 26
    out.append(f'<text x="{x:.0f}" y="{row + 10:.0f}" font-weight="bold">Data owner</text>')
    row += 30
    for country in countries:
        out.append(f'<rect x="{x + 4:.0f}" y="{row - 11:.0f}" width="16" height="12" fill="{colour[country]}" '
                   f'stroke="#222"/><text x="{x + 30:.0f}" y="{row:.0f}">{escape(country)}</text>')
        row += 20
    out.append(f'<text x="{x:.0f}" y="{row + 10:.0f}" font-weight="bold">Links</text>')
    row += 30
    for link_type in link_types:
        link_colour, dash = _LINK_STYLES.get(link_type, ("#999", ""))
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<line x1="{x:.0f}" y1="{row - 4:.0f}" x2="{x + 24:.0f}" y2="{row - 4:.0f}" stroke="{link_colour}" '
                   f'stroke-width="2"{dashes}/><text x="{x + 30:.0f}" y="{row:.0f}">'
                   f'{escape(_link_type_name(link_type))}</text>')
        row += 20
    out.append("</g>")
    return "".join(out)
