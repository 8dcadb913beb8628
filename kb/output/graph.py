"""Citation subgraph exports: GraphML and GEXF for Gephi/Cytoscape/networkx, and a
self-contained HTML page to look at the graph in a browser.

The subgraph is the papers a :class:`kb.knowledge.query.PaperFilter` selects (theme, years, seed
distance, citations, best-ranked ``limit``) and the citation edges among them, directed from
the citing to the cited paper. The XML formats are written with the standard library: text
from the store is stripped of the characters XML 1.0 cannot hold (a stray control character
in a title would otherwise make the whole file unreadable).

The HTML page needs no network when viewed: its script and data are inline, and its
Content-Security-Policy allows nothing else (no fetch, no image, no other script). Paper
data is embedded as JSON in a ``<script type="application/json">`` block with ``<``, ``>``,
``&``, U+2028 and U+2029 escaped, and the page's script puts text on screen only through
``textContent``, so a title like ``</script><script>...`` is shown, never run.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field

from kb.errors import UsageError
from kb.knowledge.query import PaperFilter
from kb.output.export import ExportEntry, collect_entries, select_ids

GRAPH_FORMATS = ("graphml", "gexf", "html")
DEFAULT_GRAPH_LIMIT = 300

# Kelly's colours of maximum contrast (without white, black and the grey kept for untagged
# papers) and a navy: 20 colours a reader can tell apart, one per theme of the shipped
# taxonomy, biggest theme first. A taxonomy with more themes goes round the colours again with
# the next shape, so no two themes look alike.
PALETTE = ("#0067A5", "#F38400", "#008856", "#BE0032", "#875692", "#F3C300", "#A1CAF1",
           "#E68FAC", "#882D17", "#8DB600", "#604E97", "#F99379", "#2B3D26", "#DCD300",
           "#B3446C", "#C2B280", "#654522", "#E25822", "#F6A600", "#1F1F7A")
UNTAGGED_COLOR = "#9AA0A6"
SHAPES = ("circle", "square", "diamond", "triangle")
GEXF_SHAPES = {"circle": "disc", "square": "square", "diamond": "diamond", "triangle": "triangle"}
MIN_SIZE, MAX_SIZE = 4.0, 22.0

_XML_INVALID = re.compile("[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def xml_text(value) -> str:
    """Text XML 1.0 can hold: characters it forbids (most C0 controls, lone surrogates,
    U+FFFE/FFFF) are dropped."""
    return _XML_INVALID.sub("", "" if value is None else str(value))


@dataclass
class GraphNode:
    entry: ExportEntry
    theme: str | None
    theme_name: str
    color: str
    size: float
    shape: str
    rank: float | None


@dataclass
class Subgraph:
    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[tuple[int, int, bool | None]] = field(default_factory=list)  # node indices
    legend: list[dict] = field(default_factory=list)
    title: str = "kb citation graph"


def normalise_graph_format(name: str) -> str:
    key = (name or "").strip().lower()
    if key == "htm":
        key = "html"
    if key not in GRAPH_FORMATS:
        raise UsageError(f"unknown graph format {name!r}; choose one of {', '.join(GRAPH_FORMATS)}")
    return key


def theme_styles(entries: list[ExportEntry]) -> dict[str, tuple[str, str]]:
    """A (colour, shape) per primary theme: the biggest theme gets the first palette colour.
    Stable for a given subgraph; the 21st theme starts the palette again as squares."""
    counts = Counter(e.primary_theme for e in entries if e.primary_theme)
    ordered = sorted(counts, key=lambda s: (-counts[s], s))
    return {slug: (PALETTE[i % len(PALETTE)], SHAPES[i // len(PALETTE) % len(SHAPES)])
            for i, slug in enumerate(ordered)}


def _rank(entry: ExportEntry) -> float | None:
    return entry.seed_pagerank if entry.seed_pagerank is not None else entry.pagerank


def build_subgraph(store, f: PaperFilter, *, query: str | None = None,
                   title: str | None = None) -> Subgraph:
    ids = select_ids(store, f, query=query)
    entries = collect_entries(store, ids)
    styles = theme_styles(entries)
    ranks = [r for r in (_rank(e) for e in entries) if r is not None and r > 0]
    top = max(ranks) if ranks else 0.0
    nodes = []
    for e in entries:
        rank = _rank(e)
        if top > 0 and rank is not None and rank > 0:
            size = MIN_SIZE + (MAX_SIZE - MIN_SIZE) * math.sqrt(rank / top)
        else:
            size = MIN_SIZE
        slug = e.primary_theme
        nodes.append(GraphNode(
            entry=e, theme=slug, theme_name=e.theme_names.get(slug, slug) if slug else "Untagged",
            color=styles[slug][0] if slug else UNTAGGED_COLOR,
            shape=styles[slug][1] if slug else "circle",
            size=round(size, 2), rank=rank))
    index = {n.entry.id: i for i, n in enumerate(nodes)}
    edges: list[tuple[int, int, bool | None]] = []
    if index:
        payload = json.dumps(list(index))
        rows = store.conn.execute(
            "SELECT citing, cited, is_influential FROM citation "
            "WHERE citing IN (SELECT value FROM json_each(?)) "
            "AND cited IN (SELECT value FROM json_each(?)) ORDER BY citing, cited",
            (payload, payload))
        for citing, cited, influential in rows:
            if citing != cited:
                edges.append((index[citing], index[cited],
                              None if influential is None else bool(influential)))
    counts = Counter(n.theme for n in nodes)
    legend = [{"theme": slug, "name": next(n.theme_name for n in nodes if n.theme == slug),
               "color": styles[slug][0], "shape": styles[slug][1], "count": counts[slug]}
              for slug in sorted(styles, key=lambda s: (-counts[s], s))]
    if counts.get(None):
        legend.append({"theme": None, "name": "Untagged", "color": UNTAGGED_COLOR,
                       "shape": "circle", "count": counts[None]})
    return Subgraph(nodes=nodes, edges=edges, legend=legend,
                    title=title or "kb citation graph")


# -- node attributes shared by GraphML and GEXF --------------------------------------------------

# (name, GraphML type, GEXF type)
NODE_ATTRIBUTES = (
    ("title", "string", "string"),
    ("year", "int", "integer"),
    ("rank", "double", "double"),
    ("pagerank", "double", "double"),
    ("theme", "string", "string"),
    ("theme_name", "string", "string"),
    ("themes", "string", "string"),
    ("authors", "string", "string"),
    ("venue", "string", "string"),
    ("citations", "int", "integer"),
    ("seed_distance", "int", "integer"),
    ("seed", "boolean", "boolean"),
    ("doi", "string", "string"),
    ("arxiv", "string", "string"),
    ("url", "string", "string"),
    ("color", "string", "string"),
    ("shape", "string", "string"),
    ("size", "double", "double"),
)


def node_values(node: GraphNode) -> dict[str, object]:
    e = node.entry
    return {
        "title": e.title or e.paper_id, "year": e.year, "rank": node.rank,
        "pagerank": e.pagerank, "theme": node.theme, "theme_name": node.theme_name,
        "themes": ",".join(e.themes) or None,
        "authors": "; ".join(e.authors) or None, "venue": e.venue,
        "citations": e.citation_count, "seed_distance": e.seed_distance, "seed": e.is_seed,
        "doi": e.doi, "arxiv": e.arxiv_id, "url": e.s2_url, "color": node.color,
        "shape": node.shape, "size": node.size,
    }


def _format_value(value: object, kind: str) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("int", "integer"):
        return str(int(value))
    if kind == "double":
        return repr(float(value))
    return xml_text(value)


def _xml_string(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="unicode", xml_declaration=False)


GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"


def to_graphml(sub: Subgraph) -> str:
    ET.register_namespace("", GRAPHML_NS)
    q = lambda tag: f"{{{GRAPHML_NS}}}{tag}"  # noqa: E731
    root = ET.Element(q("graphml"))
    for name, gtype, _ in NODE_ATTRIBUTES:
        ET.SubElement(root, q("key"), {"id": name, "for": "node", "attr.name": name,
                                        "attr.type": gtype})
    ET.SubElement(root, q("key"), {"id": "influential", "for": "edge",
                                    "attr.name": "influential", "attr.type": "boolean"})
    graph = ET.SubElement(root, q("graph"), {"id": "kb", "edgedefault": "directed"})
    desc = ET.SubElement(graph, q("desc"))
    desc.text = xml_text(sub.title)
    for node in sub.nodes:
        el = ET.SubElement(graph, q("node"), {"id": xml_text(node.entry.paper_id)})
        for name, gtype, _ in NODE_ATTRIBUTES:
            value = node_values(node)[name]
            if value is None or value == "":
                continue
            data = ET.SubElement(el, q("data"), {"key": name})
            data.text = _format_value(value, gtype)
    for n, (a, b, influential) in enumerate(sub.edges):
        el = ET.SubElement(graph, q("edge"), {
            "id": f"e{n}", "source": xml_text(sub.nodes[a].entry.paper_id),
            "target": xml_text(sub.nodes[b].entry.paper_id)})
        if influential is not None:
            data = ET.SubElement(el, q("data"), {"key": "influential"})
            data.text = "true" if influential else "false"
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _xml_string(root) + "\n"


GEXF_NS = "http://www.gexf.net/1.2draft"
VIZ_NS = "http://www.gexf.net/1.2draft/viz"


def _rgb(color: str) -> dict[str, str]:
    color = color.lstrip("#")
    return {"r": str(int(color[0:2], 16)), "g": str(int(color[2:4], 16)),
            "b": str(int(color[4:6], 16))}


def to_gexf(sub: Subgraph) -> str:
    ET.register_namespace("", GEXF_NS)
    ET.register_namespace("viz", VIZ_NS)
    q = lambda tag: f"{{{GEXF_NS}}}{tag}"  # noqa: E731
    root = ET.Element(q("gexf"), {"version": "1.2"})
    meta = ET.SubElement(root, q("meta"))
    ET.SubElement(meta, q("creator")).text = "kb"
    ET.SubElement(meta, q("description")).text = xml_text(sub.title)
    graph = ET.SubElement(root, q("graph"), {"defaultedgetype": "directed", "mode": "static"})
    attrs = ET.SubElement(graph, q("attributes"), {"class": "node", "mode": "static"})
    for i, (name, _gtype, xtype) in enumerate(NODE_ATTRIBUTES):
        ET.SubElement(attrs, q("attribute"), {"id": str(i), "title": name, "type": xtype})
    nodes_el = ET.SubElement(graph, q("nodes"))
    for node in sub.nodes:
        values = node_values(node)
        el = ET.SubElement(nodes_el, q("node"), {"id": xml_text(node.entry.paper_id),
                                                  "label": xml_text(values["title"])})
        attvalues = ET.SubElement(el, q("attvalues"))
        for i, (name, gtype, _xtype) in enumerate(NODE_ATTRIBUTES):
            value = values[name]
            if value is None or value == "":
                continue
            ET.SubElement(attvalues, q("attvalue"),
                          {"for": str(i), "value": _format_value(value, gtype)})
        ET.SubElement(el, f"{{{VIZ_NS}}}color", _rgb(node.color))
        ET.SubElement(el, f"{{{VIZ_NS}}}size", {"value": repr(float(node.size))})
        ET.SubElement(el, f"{{{VIZ_NS}}}shape", {"value": GEXF_SHAPES[node.shape]})
    edges_el = ET.SubElement(graph, q("edges"))
    for n, (a, b, _influential) in enumerate(sub.edges):
        ET.SubElement(edges_el, q("edge"), {
            "id": str(n), "source": xml_text(sub.nodes[a].entry.paper_id),
            "target": xml_text(sub.nodes[b].entry.paper_id)})
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + _xml_string(root) + "\n"


# -- the HTML page -----------------------------------------------------------------------------

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                 "\u2029": "\\u2029"}


def script_safe_json(value) -> str:
    """JSON that can sit inside a ``<script>`` element: no text in it can close the element,
    open a comment or end a JavaScript line."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


def _short_authors(authors: list[str]) -> str:
    if len(authors) > 3:
        return ", ".join(authors[:3]) + " et al."
    return ", ".join(authors)


def page_data(sub: Subgraph) -> dict:
    nodes = []
    for node in sub.nodes:
        e = node.entry
        nodes.append({
            "id": e.paper_id, "title": e.title or e.paper_id, "year": e.year,
            "authors": _short_authors(e.authors), "venue": e.venue, "theme": node.theme_name,
            "color": node.color, "shape": node.shape, "size": node.size, "rank": node.rank,
            "citations": e.citation_count, "seed": e.is_seed, "distance": e.seed_distance,
            "url": e.s2_url,
        })
    return {"title": sub.title, "nodes": nodes, "edges": [[a, b] for a, b, _ in sub.edges],
            "legend": [{"name": g["name"], "color": g["color"], "shape": g["shape"],
                        "count": g["count"]}
                       for g in sub.legend]}


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def to_html(sub: Subgraph) -> str:
    from kb.output.graph_view_assets import PAGE_CSS, PAGE_JS, PAGE_TEMPLATE

    csp = (f"default-src 'none'; script-src {_csp_hash(PAGE_JS)}; "
           f"style-src {_csp_hash(PAGE_CSS)}; img-src data:; base-uri 'none'; form-action 'none'")
    parts = {
        "CSP": html.escape(csp, quote=True),
        "TITLE": html.escape(" ".join(sub.title.split()), quote=True),
        "CSS": PAGE_CSS,
        "DATA": script_safe_json(page_data(sub)),
        "JS": PAGE_JS,
    }
    # One pass, so a title or a paper that contains "%%JS%%" stays text.
    return re.sub(r"%%(CSP|TITLE|CSS|DATA|JS)%%", lambda m: parts[m.group(1)], PAGE_TEMPLATE)


def render_graph(sub: Subgraph, fmt: str) -> str:
    fmt = normalise_graph_format(fmt)
    if fmt == "graphml":
        return to_graphml(sub)
    if fmt == "gexf":
        return to_gexf(sub)
    return to_html(sub)


def export_graph(store, f: PaperFilter, fmt: str, *, query: str | None = None,
                 title: str | None = None) -> tuple[str, Subgraph]:
    fmt = normalise_graph_format(fmt)
    sub = build_subgraph(store, f, query=query, title=title)
    return render_graph(sub, fmt), sub
