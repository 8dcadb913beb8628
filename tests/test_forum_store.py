"""Forum posts in the store: works of kind ``post`` with their own columns, searchable,
taggable through the forum-tag mapping, and exported in every format as the readers of those
formats expect a blog post (checked by the same parsers as the paper exports)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from kb.knowledge.query import PaperFilter
from kb.output.export import export_papers
from kb.store import Store
from kb.store.records import AuthorRef, EdgeRecord, PaperRecord, PostRecord
from test_export import check_csl_item, latex_unescape, parse_bib

POST = PostRecord(
    paper_id="FORUM:LNA8mubrByG7SFacm", title="Against Almost Every Theory of Impact of Interpretability",
    abstract="Epistemic status: I believe I am well-versed in this subject.", year=2023,
    publication_date="2023-08-17", venue="AI Alignment Forum",
    authors=[AuthorRef("Charbel-Raphaël", "forum:charbel-raphael-segerie")],
    url="https://www.lesswrong.com/posts/LNA8mubrByG7SFacm/against-almost-every-theory-of-impact-of",
    publication_types=["Post"], detail_level=2, forum_id="LNA8mubrByG7SFacm", slug="against-almost-every-theory-of-impact-of",
    karma=331, vote_count=200, comment_count=90, word_count=9000, af=True,
    tags=["AI", "Interpretability (ML & AI)", "Deceptive Alignment"])
PAPER = PaperRecord(paper_id="a" * 40, title="Interpretability in the Wild: a Circuit for Indirect Object Identification",
                    year=2022, arxiv_id="2211.00593", authors=[AuthorRef("Kevin Wang", "1")], detail_level=2,
                    venue="ICLR", publication_types=["Conference"])


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "kb.sqlite") as s:
        s.upsert_papers([POST, PAPER])
        s.upsert_edges([EdgeRecord(POST.paper_id, PAPER.paper_id)])
        yield s


def test_a_post_is_a_work_of_kind_post_with_its_own_columns(store):
    row = store.conn.execute("SELECT p.kind, p.title, p.venue, o.* FROM paper p JOIN post o ON o.paper = p.id").fetchone()
    assert row["kind"] == "post" and row["forum_id"] == "LNA8mubrByG7SFacm" and row["karma"] == 331 and row["af"] == 1
    assert json.loads(row["tags"])[1] == "Interpretability (ML & AI)"
    # A later answer that says less (a stub from a link) keeps what the store knew.
    store.upsert_papers([PostRecord(paper_id=POST.paper_id, forum_id=POST.forum_id, title=POST.title)])
    again = store.conn.execute("SELECT karma, tags FROM post").fetchone()
    assert again["karma"] == 331 and again["tags"]
    assert store.conn.execute("SELECT kind FROM paper WHERE paper_id = ?", (PAPER.paper_id,)).fetchone()[0] == "paper"


def test_posts_are_found_by_full_text_search(store):
    from kb.knowledge.search import search

    hits = search(store, "theory impact interpretability")
    assert POST.title in [h.get("title") for h in hits.rows]


def test_forum_tags_are_the_tagging_signal_of_the_mapped_themes(store):
    from kb.knowledge.tagging import auto_tag, forum_matrix, load_texts, paper_forum_tags
    from kb.knowledge.themes import load_taxonomy

    post = store.conn.execute("SELECT id FROM paper WHERE paper_id = ?", (POST.paper_id,)).fetchone()[0]
    assert paper_forum_tags(store) == {post: {"ai", "interpretability (ml & ai)", "deceptive alignment"}}
    taxonomy = load_taxonomy()
    texts = load_texts(store)
    slugs = list(taxonomy.themes)
    signals = {(texts.ids[r], slugs[c]): tags for (r, c), tags in forum_matrix(store, texts, taxonomy).items()}
    assert signals[(post, "deceptive-alignment")] == ["deceptive alignment"]
    assert signals[(post, "interpretability")] == ["interpretability (ml & ai)"]
    auto_tag(store)
    themes = {r[0] for r in store.conn.execute("SELECT theme FROM paper_theme WHERE paper = ?", (post,))}
    assert "interpretability" in themes


def test_bibtex_online_entry_with_url_and_date(store):
    text, count = export_papers(store, PaperFilter(), "bib")
    library = parse_bib(text)
    entries = {e.entry_type: e for e in library.entries}
    post = entries["online"]
    fields = {f.key: f.value for f in post.fields}
    assert fields["url"] == POST.url and fields["date"] == "2023-08-17" and fields["year"] == "2023"
    assert latex_unescape(fields["title"]) == POST.title
    assert latex_unescape(fields["organization"]) == "AI Alignment Forum"
    assert entries["inproceedings"]  # the paper is unchanged


def test_csl_json_post_weblog(store):
    items = json.loads(export_papers(store, PaperFilter(), "csl-json")[0])
    for item in items:
        check_csl_item(item)
    post = next(i for i in items if i["type"] == "post-weblog")
    assert post["URL"] == POST.url and post["container-title"] == "AI Alignment Forum"
    assert post["issued"] == {"date-parts": [[2023, 8, 17]]} and post["author"] == [{"literal": "Charbel-Raphaël"}]


def test_ris_blog_record(store):
    text = export_papers(store, PaperFilter(), "ris")[0]
    post = next(r for r in text.split("\n\n") if "TY  - BLOG" in r).split("\n")
    for line in post:
        assert re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line), line
    assert f"UR  - {POST.url}" in post and "DA  - 2023/08/17/" in post and post[-1] == "ER  - "


def test_markdown_links_the_post(store):
    text = export_papers(store, PaperFilter(), "md")[0]
    assert f"[Post](<{POST.url}>)" in text and "*AI Alignment Forum*" in text


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_pandoc_cites_the_post(store, tmp_path):
    refs = tmp_path / "refs.json"
    items = json.loads(export_papers(store, PaperFilter(), "csl-json")[0])
    refs.write_text(json.dumps(items), encoding="utf-8")
    key = next(i["id"] for i in items if i["type"] == "post-weblog")
    doc = tmp_path / "doc.md"
    doc.write_text(f"See [@{key}].\n", encoding="utf-8")
    result = subprocess.run(["pandoc", "--citeproc", f"--bibliography={refs}", "-t", "plain", str(doc)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Against Almost Every Theory" in result.stdout
    assert "[WARNING]" not in result.stderr


def test_csv_and_json_carry_the_kind_and_the_post_page(store):
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(export_papers(store, PaperFilter(), "csv")[0])))
    post = next(r for r in rows if r["kind"] == "post")
    assert post["post_url"] == POST.url and post["s2_url"] == "" and post["year"] == "2023"
    records = json.loads(export_papers(store, PaperFilter(), "json")[0])
    records = records if isinstance(records, list) else records.get("papers", records)
    post = next(r for r in records if r["kind"] == "post")
    assert post["links"] == {"post": POST.url} and post["publication_date"] == "2023-08-17"
