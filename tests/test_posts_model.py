"""The posts' model kb ships (kb/knowledge/posts_model.npz.xz, :mod:`kb.knowledge.posts_model`)."""

from __future__ import annotations

import pytest

from kb.knowledge import posts_model
from kb.knowledge.theme_model import POST_SETTINGS


@pytest.mark.skipif(POST_SETTINGS is None or POST_SETTINGS.store_rows,
                    reason="no posts' model for every store is switched on: kb ships none")
def test_the_shipped_posts_model_is_that_of_kbs_labels_and_taxonomy():
    """Stale when the labelled works or posts, the taxonomy, ``POST_SETTINGS`` or the model's code
    have changed since it was built: every run would then train the posts' model itself."""
    assert posts_model.shipped_stamp() == posts_model.stamp(*posts_model.shipped_inputs()), \
        "kb/knowledge/posts_model.npz.xz is stale: rebuild it with .venv/bin/python scripts/build_posts_model.py"


@pytest.mark.skipif(POST_SETTINGS is None or POST_SETTINGS.store_rows,
                    reason="no posts' model for every store is switched on: kb ships none")
def test_kb_tag_auto_tags_posts_with_the_shipped_posts_model(tmp_path, monkeypatch):
    """With kb's own labels and taxonomy, `kb tag auto` reads the shipped posts' model (trains
    none) and a store's posts get their model tags from it: fails if posts silently went back to
    the papers' model."""
    from kb.knowledge.tagging import propose
    from kb.knowledge.theme_model import labelled_from_works
    from kb.knowledge.themes import DEFAULT_THEMES_FILE, load_taxonomy, sync_taxonomy
    from kb.store import Store
    from kb.store.records import PaperRecord, PostRecord

    for name in ("KB_THEMES", "KB_THEME_LABELS", "KB_THEME_POST_LABELS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(posts_model, "_KEPT", {})

    def refuse(*args):
        raise AssertionError("the shipped posts' model was not used: trained one")

    monkeypatch.setattr(posts_model, "train", refuse)
    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    store = Store(tmp_path / "kb.sqlite")
    text = ("We train sparse autoencoders on a language model's residual stream and find interpretable "
            "features, a dictionary learning approach to mechanistic interpretability.")
    store.upsert_papers([PaperRecord(paper_id=f"P{i}", title=f"A note on bread {i}", abstract="ovens and flour",
                                     year=2020, detail_level=2) for i in range(3)]
                        + [PostRecord(paper_id="FORUM:sae", forum_id="sae", title="Sparse autoencoders find features",
                                      abstract=text, year=2024, detail_level=2)])
    sync_taxonomy(store, taxonomy)
    # The papers' model trained on ten works (cheap); the posts' model is the shipped one.
    labelled = labelled_from_works([{"title": f"SAE work {i}", "abstract": text, "themes": ["sparse-autoencoders"]}
                                    if i % 2 else {"title": f"Bread {i}", "abstract": "ovens", "themes": []}
                                    for i in range(10)], taxonomy)
    proposal = propose(store, taxonomy, sources=("rule", "model"), labelled=labelled)
    post = store.internal_ids(["FORUM:sae"])["FORUM:sae"]
    store.close()
    assert [proposal.texts.ids[r] for r in proposal.posts] == [post]
    k = len(proposal.slugs)
    rows = [(proposal.slugs[c], proposal.signals.texts[w]) for r, c, s, w in
            zip(proposal.tags.row.tolist(), proposal.tags.col.tolist(), proposal.tags.source.tolist(),
                proposal.signals.of(proposal.tags.row * k + proposal.tags.col).tolist())
            if proposal.texts.ids[r] == post and s == 1]
    assert "sparse-autoencoders" in [slug for slug, _ in rows]
    assert all('"model_for": "posts"' in why for _, why in rows)


def test_a_damaged_or_missing_model_file_is_not_read(tmp_path):
    """A truncated, garbled or absent file (a broken install, a half-written copy) reads as no
    model, so kb trains the posts' model instead of failing; the shipped file reads under its stamp
    and under no other."""
    shipped = posts_model.SHIPPED.read_bytes()
    stamp = posts_model.shipped_stamp()
    assert stamp and posts_model.read(posts_model.SHIPPED, "another stamp") is None
    for name, data in (("truncated", shipped[: len(shipped) // 2]), ("garbled", b"not a model"), ("empty", b"")):
        path = tmp_path / name
        path.write_bytes(data)
        assert posts_model.read(path, stamp) is None and posts_model.shipped_stamp(path) is None
    assert posts_model.read(tmp_path / "absent", stamp) is None and posts_model.shipped_stamp(tmp_path / "absent") is None
