"""Build the posts' model kb ships (kb/knowledge/posts_model.npz.xz, :mod:`kb.knowledge.posts_model`).

    .venv/bin/python scripts/build_posts_model.py

It is trained on data/theme_labels.jsonl, data/theme_labels_pending.jsonl (but its
``POST_UNTRAINED_SPLITS``) and the shipped taxonomy, with ``POST_SETTINGS``, none of a store's
rows, and stamped with a digest of those inputs and of the code's versions
(:func:`kb.knowledge.posts_model.stamp`): rebuild it when any of them changes
(``tests/test_posts_model.py`` fails while it is stale). The same inputs give the same bytes.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb.knowledge.posts_model import SHIPPED, shipped_inputs, stamp, train, write  # noqa: E402


def main() -> None:
    post_model, taxonomy, fallback = shipped_inputs()
    if post_model.settings is None:
        sys.exit("POST_SETTINGS is None: there is no posts' model to ship")
    if post_model.settings.store_rows:
        sys.exit("POST_SETTINGS trains on each store's rows: such a model cannot be shipped")
    start = time.process_time()
    trained = train(post_model, taxonomy, fallback)
    write(SHIPPED, stamp(post_model, taxonomy, fallback), trained)
    print(f"{SHIPPED}: {SHIPPED.stat().st_size:,} bytes, {len(post_model.labelled):,} labelled works, "
          f"{len(trained.trained)} themes trained, {time.process_time() - start:.1f} s of CPU")


if __name__ == "__main__":
    main()
