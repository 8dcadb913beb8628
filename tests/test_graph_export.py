"""Graph exports: GraphML and GEXF read back with networkx, and the HTML view in Chromium."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from tests.cli_runner import invoke

try:  # tests/ as a package, or as a plain directory on sys.path
    from tests.export_fixtures import NASTY_TITLE, XSS_TITLE, build_store, sha
except ModuleNotFoundError:
    from export_fixtures import NASTY_TITLE, XSS_TITLE, build_store, sha
from kb.errors import UsageError
from kb.output.graph import (build_subgraph, export_graph, normalise_graph_format,
                             script_safe_json, xml_text)
from kb.knowledge.query import PaperFilter

nx = pytest.importorskip("networkx")


@pytest.fixture
def store(tmp_path):
    s = build_store(tmp_path / "kb.sqlite")
    yield s
    s.close()


def edge_set(graph) -> set[tuple[str, str]]:
    return {(a, b) for a, b in graph.edges()}


# -- selection -----------------------------------------------------------------------------------

def test_subgraph_follows_the_filter(store):
    sub = build_subgraph(store, PaperFilter(seed_distance=0))
    assert [n.entry.paper_id for n in sub.nodes] == [sha(1), sha(2)]
    assert [(sub.nodes[a].entry.paper_id, sub.nodes[b].entry.paper_id) for a, b, _ in sub.edges] \
        == [(sha(1), sha(2))]
    top = build_subgraph(store, PaperFilter(limit=3))
    assert [n.entry.paper_id for n in top.nodes] == [sha(1), sha(2), sha(3)]
    assert len(top.edges) == 2
    sizes = [n.size for n in top.nodes]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == 22.0  # sized by rank
    colors = {n.theme: n.color for n in build_subgraph(store, PaperFilter()).nodes}
    assert len(set(colors.values())) == len(colors)  # one colour per theme
    assert colors[None] == "#9AA0A6"


# -- GraphML and GEXF ----------------------------------------------------------------------------

def test_graphml_reads_back_with_networkx(store, tmp_path):
    text, sub = export_graph(store, PaperFilter(), "graphml")
    path = tmp_path / "g.graphml"
    path.write_text(text, encoding="utf-8")
    graph = nx.read_graphml(path)
    assert graph.is_directed()
    assert graph.number_of_nodes() == 8 and graph.number_of_edges() == 7
    node = graph.nodes[sha(3)]
    assert node["title"] == NASTY_TITLE
    assert node["year"] == 2020 and isinstance(node["year"], int)
    assert node["rank"] == pytest.approx(0.12)
    assert node["theme"] == "robustness" and node["theme_name"] == "Robustness & <safety>"
    assert node["seed"] is False and graph.nodes[sha(1)]["seed"] is True
    assert node["url"] == f"https://www.semanticscholar.org/paper/{sha(3)}"
    # Edges go from the citing paper to the cited one.
    assert (sha(3), sha(1)) in edge_set(graph) and (sha(1), sha(3)) not in edge_set(graph)
    assert graph.edges[sha(3), sha(1)]["influential"] is True
    assert "rank" not in graph.nodes[sha(8)] and "year" not in graph.nodes[sha(8)]


def test_gexf_reads_back_with_networkx(store, tmp_path):
    text, _ = export_graph(store, PaperFilter(), "gexf")
    path = tmp_path / "g.gexf"
    path.write_text(text, encoding="utf-8")
    graph = nx.read_gexf(path)
    assert graph.is_directed()
    assert graph.number_of_nodes() == 8 and graph.number_of_edges() == 7
    node = graph.nodes[sha(7)]
    assert node["label"] == XSS_TITLE and node["title"] == XSS_TITLE
    assert node["year"] == 2022 and node["theme"] == "robustness"
    assert node["viz"]["size"] > 0 and set(node["viz"]["color"]) >= {"r", "g", "b"}
    assert (sha(1), sha(2)) in edge_set(graph)


def test_xml_exports_survive_control_characters(store, tmp_path):
    store.conn.execute("UPDATE paper SET title = ? WHERE paper_id = ?",
                       ("bad\x01title\x0b with \ufffe junk", sha(2)))
    assert xml_text("a\x00b\x1fc\td") == "abc\td"
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        path = tmp_path / f"g.{fmt}"
        path.write_text(export_graph(store, PaperFilter(), fmt)[0], encoding="utf-8")
        assert reader(path).nodes[sha(2)]["title"] == "badtitle with  junk"


def test_graph_format_names():
    assert normalise_graph_format("HTML") == "html"
    with pytest.raises(UsageError):
        normalise_graph_format("dot")


# -- the HTML page -------------------------------------------------------------------------------

def test_script_safe_json_cannot_break_out():
    value = {"t": "</script><script>alert(1)</script> <!-- & \u2028\u2029 -->"}
    text = script_safe_json(value)
    assert not re.search("[<>&\u2028\u2029]", text)
    assert json.loads(text) == value


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def test_html_is_one_self_contained_file(store):
    text, sub = export_graph(store, PaperFilter(), "html", title="My <graph> & co")
    parser = _Tags()
    parser.feed(text)
    for tag, attrs in parser.tags:
        for name in ("src", "href", "action", "data"):
            assert name not in attrs or attrs[name].startswith("#"), (tag, attrs)
        assert not (tag == "link" or (tag == "script" and "src" in attrs))
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert scripts == [{"type": "application/json", "id": "kb-data"}, {}]
    assert "<title>My &lt;graph&gt; &amp; co</title>" in text
    data = json.loads(parser.scripts[0])
    assert len(data["nodes"]) == 8 and len(data["edges"]) == 7
    assert {n["title"] for n in data["nodes"]} >= {NASTY_TITLE, XSS_TITLE}
    # The page allows only its own script, by hash: nothing else can run or load.
    csp = next(a["content"] for t, a in parser.tags if a.get("http-equiv") == "Content-Security-Policy")
    digest = base64.b64encode(hashlib.sha256(parser.scripts[1].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp and "default-src 'none'" in csp
    page = text.replace(parser.scripts[0], "").replace("http://www.w3.org/2000/svg", "")
    assert "http://" not in page and "https://" not in page  # no address outside the data
    assert "%%" not in text


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _run_chromium(binary: str, profile, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-extensions", "--mute-audio", f"--user-data-dir={profile}",
         "--window-size=1200,800", "--virtual-time-budget=4000", *args],
        capture_output=True, text=True, timeout=120)


@pytest.mark.browser
@pytest.mark.skipif(_chromium() is None, reason="headless Chromium is not installed")
def test_html_renders_in_chromium_and_runs_no_injected_code(store, tmp_path):
    text, sub = export_graph(store, PaperFilter(), "html", title="</title><script>alert(2)</script>")
    page = tmp_path / "graph.html"
    page.write_text(text, encoding="utf-8")
    binary = _chromium()
    dom = _run_chromium(binary, tmp_path / "profile-dom", "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    body = re.search(r"<body[^>]*>", html).group(0)
    assert f'data-rendered-nodes="{len(sub.nodes)}"' in body, body
    assert f'data-rendered-edges="{len(sub.edges)}"' in body
    assert "data-pwned" not in body  # the onerror payload in a title never ran
    assert html.count("<circle") == len(sub.nodes)
    assert html.count("<img") == 0
    # Titles are on the page as text: escaped in the serialised DOM.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; 50% of $x_i$" in html
    assert "&lt;/script&gt;&lt;img src=x onerror=" in html
    legend = re.search(r'<div id="kb-legend"[^>]*>(.*?)</div>\s*<div id="kb-help"', html, re.S)
    assert "Robustness &amp; &lt;safety&gt; (3)" in legend.group(1)
    # Opening graph.html#<paper id> focuses that paper: its tooltip shows the title as text.
    focused = _run_chromium(binary, tmp_path / "profile-focus", "--dump-dom",
                            page.as_uri() + "#" + sha(7))
    tip = re.search(r'<div id="kb-tooltip"([^>]*)>(.*?)</div>\s*</main>', focused.stdout, re.S)
    assert "hidden" not in tip.group(1)
    assert "<b>&lt;/script&gt;&lt;img src=x onerror=" in tip.group(2)
    assert "&lt;b&gt;Mallory&lt;/b&gt;" in tip.group(2)  # the author, escaped too
    assert "data-pwned" not in re.search(r"<body[^>]*>", focused.stdout).group(0)
    assert 'class="focus"' in focused.stdout
    shot = tmp_path / "graph.png"
    result = _run_chromium(binary, tmp_path / "profile-shot", f"--screenshot={shot}",
                           page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 800)
    assert len(data) > 20_000  # a drawn graph, not a blank page


# -- the command line --------------------------------------------------------------------------

def test_cli_graph(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = str(store.path)
    result = invoke("graph", "-o", "g.graphml", "--seed-distance", "0", db=db)
    assert result.exit_code == 0, result.output
    assert "2 papers and 1 citations" in result.stderr
    graph = nx.read_graphml(tmp_path / "g.graphml")
    assert set(graph.nodes) == {sha(1), sha(2)}
    result = invoke("graph", "--format", "gexf", "--limit", "3", db=db)
    assert result.exit_code == 0 and result.stdout.startswith("<?xml")
    assert result.stdout.count("<node ") == 3
    result = invoke("graph", db=db)
    assert result.stdout.startswith("<!DOCTYPE html>")
    written = {p.name for p in tmp_path.iterdir() if not p.name.startswith("kb.sqlite")}
    assert written == {"g.graphml"}  # stdout exports leave no file behind
    result = invoke("graph", "--format", "dot", db=db)
    assert result.exit_code == 2 and "unknown graph format" in result.stderr


# -- the graph view: 20 themes, labels, search, legend filter, timeline ----------------------------

def twenty_theme_store(path):
    """200 papers from 2000 to 2023, each tagged with one of the shipped taxonomy's 20 themes,
    newer papers citing older ones, three seeds, ranked."""
    import random

    from kb.knowledge.ranking import compute_ranks
    from kb.knowledge.tagging import set_manual
    from kb.knowledge.themes import load_taxonomy, sync_taxonomy
    from kb.store import Store
    from kb.store.records import EdgeRecord, PaperRecord
    from tests.use_fixtures import add_seeds

    rng = random.Random(7)
    store = Store(path)
    taxonomy = load_taxonomy()
    sync_taxonomy(store, taxonomy)
    slugs = [t.slug for t in taxonomy.ordered()][:20]
    papers = [PaperRecord(f"{0xfeed000 + i:040x}", title=f"Paper {i} on {slugs[i % 20]}",
                          year=2000 + (i * 24) // 200, detail_level=2) for i in range(200)]
    store.upsert_papers(papers)
    edges = {(papers[i].paper_id, papers[j].paper_id) for i in range(200)
             for j in rng.sample(range(200), 4) if papers[j].year < papers[i].year}
    store.upsert_edges(EdgeRecord(a, b) for a, b in edges)
    ids = store.internal_ids(p.paper_id for p in papers)
    for i, p in enumerate(papers):
        set_manual(store, ids[p.paper_id], [slugs[i % 20]], taxonomy=taxonomy)
    add_seeds(store, [ids[papers[k].paper_id] for k in (3, 80, 150)])
    compute_ranks(store)
    return store, taxonomy


def test_palette_gives_twenty_themes_twenty_colours(tmp_path):
    from kb.output.graph import PALETTE, UNTAGGED_COLOR

    assert len(set(PALETTE)) == len(PALETTE) == 20 and UNTAGGED_COLOR not in PALETTE
    store, _ = twenty_theme_store(tmp_path / "kb.sqlite")
    sub = build_subgraph(store, PaperFilter(limit=300))
    assert len({n.theme for n in sub.nodes}) == 20 and len({n.color for n in sub.nodes}) == 20
    store.close()


def _circles(dom: str) -> list[tuple[float, str, int]]:
    """(cx, fill, year) of every drawn paper."""
    out = []
    for attrs, title in re.findall(r"<circle([^>]*)><title>(.*?)</title>", dom):
        cx = float(re.search(r'cx="([-\d.]+)"', attrs).group(1))
        fill = re.search(r'fill="([^"]+)"', attrs).group(1)
        out.append((cx, fill, int(re.search(r"\((\d{4})\)$", title).group(1))))
    return out


@pytest.mark.browser
@pytest.mark.skipif(_chromium() is None, reason="headless Chromium is not installed")
def test_graph_view_timeline_labels_search_and_legend_in_chromium(tmp_path):
    store, taxonomy = twenty_theme_store(tmp_path / "kb.sqlite")
    text, sub = export_graph(store, PaperFilter(limit=300), "html")
    store.close()
    page = tmp_path / "graph.html"
    page.write_text(text, encoding="utf-8")
    binary = _chromium()
    dom = _run_chromium(binary, tmp_path / "p1", "--dump-dom", page.as_uri()).stdout
    body = re.search(r"<body[^>]*>", dom).group(0)
    assert 'data-layout="timeline"' in body and 'data-layout-done="1"' in body
    circles = _circles(dom)
    assert len(circles) == 200 and len({fill for _, fill, _ in circles}) == 20
    # Timeline: every paper of a later year stands to the right of every earlier one.
    by_year: dict[int, list[float]] = {}
    for cx, _, year in circles:
        by_year.setdefault(year, []).append(cx)
    spans = [(min(v), max(v)) for _, v in sorted(by_year.items())]
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))
    assert dom.count("<text") - dom.count('visibility="hidden"') > 0
    labels = int(re.search(r'data-labels-shown="(\d+)"', body).group(1))
    assert labels >= 10  # the best-ranked papers, not only the three seeds
    assert "2000" in re.search(r'<g id="kb-axis">(.*?)</g>', dom, re.S).group(1)
    # Search: "#search=words" dims every paper that does not match.
    searched = _run_chromium(binary, tmp_path / "p2", "--dump-dom", page.as_uri() + "#search=paper%2017").stdout
    expected = sum(1 for n in sub.nodes if "17" in n.entry.title)  # Paper 17, 117, 170-179
    assert f'data-search-matches="{expected}"' in searched and expected == 12
    # The legend filter: "#theme=Name" (as clicking the other themes off) leaves one theme.
    name = taxonomy.ordered()[0].name
    only = _run_chromium(binary, tmp_path / "p3", "--dump-dom",
                         page.as_uri() + "#theme=" + name.replace(" ", "%20")).stdout
    assert 'data-visible-nodes="10"' in only
    shot = tmp_path / "graph.png"
    result = _run_chromium(binary, tmp_path / "p4", f"--screenshot={shot}", page.as_uri())
    assert result.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 30_000  # 200 coloured papers, labels and an axis, not a blank page


def test_themes_beyond_the_palette_go_round_again_with_another_shape(tmp_path):
    from types import SimpleNamespace

    from kb.output.graph import PALETTE, theme_styles, to_gexf

    entries = [SimpleNamespace(primary_theme=f"theme-{i:02d}") for i in range(24) for _ in range(30 - i)]
    styles = theme_styles(entries)
    assert len(set(styles.values())) == 24  # no two themes look alike
    assert styles["theme-00"] == (PALETTE[0], "circle") and styles["theme-20"] == (PALETTE[0], "square")
    store, _ = twenty_theme_store(tmp_path / "kb.sqlite")
    sub = build_subgraph(store, PaperFilter(limit=300))
    store.close()
    assert {n.shape for n in sub.nodes} == {"circle"} and all(g["shape"] == "circle" for g in sub.legend)
    sub.nodes[0].shape = "diamond"
    assert to_gexf(sub).count('<viz:shape value="diamond"') == 1


@pytest.mark.browser
@pytest.mark.skipif(_chromium() is None, reason="headless Chromium is not installed")
def test_graph_view_draws_shaped_papers_where_they_belong(tmp_path):
    from kb.output.graph import to_html

    store, _ = twenty_theme_store(tmp_path / "kb.sqlite")
    sub = build_subgraph(store, PaperFilter(limit=300))
    store.close()
    for node, shape in zip(sub.nodes[:3], ("square", "diamond", "triangle")):
        node.shape = shape
    sub.legend[0]["shape"] = "square"
    page = tmp_path / "graph.html"
    page.write_text(to_html(sub), encoding="utf-8")
    dom = _run_chromium(_chromium(), tmp_path / "p1", "--dump-dom", page.as_uri()).stdout
    assert 'data-rendered-nodes="200"' in dom and len(_circles(dom)) == 197
    paths = re.findall(r'<path d="M[^"]*"[^>]*class="node[^"]*"[^>]*transform="translate\(([-\d.]+),([-\d.]+)\) scale\(([\d.]+)\)"', dom)
    assert len(paths) == 3 and all(float(scale) >= 2 for _, _, scale in paths)
    assert '<i class="square"' in dom
