"""The posts' model trained once: kb ships it, and trains it again only when its inputs change.

With ``ModelSettings(store_rows=False)`` the posts' model (:class:`kb.knowledge.theme_model.PostModel`)
trains on the labelled works and posts and the taxonomy's theme texts alone, none of a store's
rows, so it is the same model for every store. Trained per store, it cost every `kb tag auto` of
a store holding forum posts about 8-10 s of CPU (the whole test suite trained it 26 times, 243 s:
docs/themes-evaluation.md, session 15), which kept it switched off. So kb ships the model trained
on its own labels and taxonomy (``posts_model.npz.xz``, rebuilt by
``scripts/build_posts_model.py``; ``tests/test_posts_model.py`` fails when it is stale), stamped
with a digest of everything the training reads (:func:`stamp`). A run whose inputs give another
stamp (the user's edited taxonomy or labels, other settings) trains the model itself, as the
shipped one was trained, and keeps it for the rest of the process.

Session 16 found the one eligible such model (``forum_rows``, the gate at 3.5%; out of fold on the
random development posts as good as the per-store one: docs/themes-evaluation.md, session 16) and
switched it on (``POST_SETTINGS``). Session 19 switched on self-training with it
(:func:`pseudo_positives`, each theme's k scaled by its labelled positives): the model is trained,
scores the forum stand-in's posts that are in no theme label file, and is trained again with the
ones each theme ranks highest as extra positives; the stamp then also covers those label files.
"""

from __future__ import annotations

import hashlib
import io
import json
import lzma
from dataclasses import dataclass
from pathlib import Path

#: The model kb ships, trained on data/theme_labels.jsonl, data/theme_labels_pending.jsonl and the
#: shipped taxonomy with ``POST_SETTINGS``.
SHIPPED = Path(__file__).with_name("posts_model.npz.xz")

#: Bump when training the posts' model or featurising texts changes what it gives for the same
#: inputs (the shipped file then no longer matches, and the test says to rebuild it).
VERSION = 1


@dataclass
class Trained:
    """A posts' model trained on the labelled works alone: the model, how many labelled
    positives each theme had, and the themes whose thresholds were calibrated."""

    model: object                  # kb.knowledge.theme_model.ThemeModel
    trained: dict[str, int]
    calibrated: list[str]


def shipped_inputs():
    """(post_model, taxonomy, fallback threshold) the shipped model is trained from: the labelled
    works and posts and the taxonomy kb ships (whatever ``KB_THEME_LABELS``, ``KB_THEME_POST_LABELS``
    or ``KB_THEMES`` say), with ``POST_SETTINGS``."""
    from kb.knowledge.theme_model import (LABELS_FILE, POST_LABELS_FILE, POST_SETTINGS, PostModel,
                                          labelled_from_works, read_post_works, read_works)
    from kb.knowledge.themes import DEFAULT_THEMES_FILE, load_taxonomy

    taxonomy = load_taxonomy(DEFAULT_THEMES_FILE)
    works = read_works(LABELS_FILE) + read_post_works(POST_LABELS_FILE)
    return PostModel(labelled_from_works(works, taxonomy), POST_SETTINGS), taxonomy, taxonomy.thresholds.model


def stamp(post_model, taxonomy, fallback_threshold: float) -> str:
    """A digest of everything :func:`train` reads: the labelled works and posts (texts, themes,
    which are posts), the taxonomy's themes (order, names, descriptions, parents, keywords), the
    threshold of themes it cannot calibrate, the settings, and the code's versions."""
    from kb.knowledge.theme_cache import TEXTS_VERSION

    labelled = post_model.labelled
    h = hashlib.sha256()
    h.update(f"posts model {VERSION} texts {TEXTS_VERSION}\n".encode())
    h.update("\n".join(f"{t}\t{b}" for t, b in zip(labelled.titles, labelled.bodies)).encode())
    h.update(json.dumps([labelled.y.shape, labelled.y.tobytes().hex()]).encode() if labelled.y is not None else b"")
    h.update(labelled.posts.tobytes() if labelled.posts is not None else b"")
    h.update(json.dumps([[s, t.name, t.description, t.parent, list(t.keywords)] for s, t in taxonomy.themes.items()]).encode())
    h.update(json.dumps([float(fallback_threshold), post_model.settings.stamped()], sort_keys=True).encode())
    if post_model.settings.forum_rows:
        from kb.knowledge.theme_model import LABELS_FILE, POST_LABELS_FILE

        for path in (forum_file(), LABELS_FILE, POST_LABELS_FILE):     # the forum's rows, less every labelled title
            h.update(hashlib.sha256(path.read_bytes()).digest())
        if post_model.settings.self_train:          # ... and the works never taken as extra positives
            for path in excluded_files():
                h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def train(post_model, taxonomy, fallback_threshold: float) -> Trained:
    """The posts' model trained on its labelled works and the theme texts, no store row."""
    import numpy as np
    from scipy import sparse

    from kb.knowledge.tagging import Texts, labelled_rule_matrix, rule_matrix, theme_texts
    from kb.knowledge.theme_model import FEATURES, theme_scores

    labelled, k = post_model.labelled, len(taxonomy.themes)
    labelled_rules = labelled_rule_matrix(labelled, taxonomy)
    if post_model.settings.forum_rows:
        from kb.knowledge.tagging import _closure_columns
        from kb.knowledge.theme_model import LABELS_FILE, POST_LABELS_FILE, read_works, title_key
        from kb.standin.forum.corpus import load_posts

        known = {title_key(w["title"]) for w in read_works(LABELS_FILE) + read_works(POST_LABELS_FILE)}
        forum = [p for p in load_posts(forum_file()) if title_key(p.title) not in known]
        texts = Texts(ids=list(range(len(forum))), titles=[p.title for p in forum], bodies=[p.summary or "" for p in forum])
        rules, _ = rule_matrix(texts, taxonomy)
        confident = rules >= taxonomy.thresholds.rule_confident
        pos = np.zeros((len(forum), k), dtype=bool)
        for c, cols in enumerate(_closure_columns(taxonomy)):
            pos[:, c] = confident[:, cols].any(axis=1)
        none = np.zeros((len(forum), k), dtype=bool)
        settings = post_model.settings

        def fit(positives, pseudo=None, score=False):
            return theme_scores(texts.joined(), rules, positives, none, none, labelled, labelled_rules,
                                list(taxonomy.themes), fallback_threshold, settings, None,
                                theme_texts(taxonomy), store_posts=np.ones(len(forum), dtype=bool),
                                score_rows=np.arange(len(forum)) if score else np.zeros(0, dtype=np.int64),
                                alone=True, pseudo=pseudo)
        if settings.self_train:
            first = fit(pos, score=True)
            ids, titles = excluded_keys()
            pool = np.array([not (p._id in ids or title_key(p.title) in titles) for p in forum], dtype=bool)
            extra = pseudo_positives(first, pool, settings, _closure_columns(taxonomy),
                                     positives=labelled.y.sum(axis=0) if labelled.y is not None else np.zeros(k)) & ~pos
            scored = fit(pos | extra, pseudo=extra)
        else:
            scored = fit(pos)
        return Trained(scored.model, dict(scored.trained), list(scored.calibrated))
    none = np.zeros((0, k), dtype=bool)
    scored = theme_scores([], np.zeros((0, k), dtype=np.float32), none, none, none, labelled, labelled_rules,
                          list(taxonomy.themes), fallback_threshold, post_model.settings, None,
                          theme_texts(taxonomy), counts=sparse.csr_matrix((0, FEATURES), dtype=np.float32),
                          alone=True)
    return Trained(scored.model, dict(scored.trained), list(scored.calibrated))


#: With ``self_train_scaled_top``: the fewest and most posts a theme takes (session 19's twenty-seventh pass).
TOP_RANGE = (5, 100)


def pseudo_positives(first, pool, settings, closure, positives=None):
    """(forum posts x themes) the posts the first training tags confidently, as extra positives
    (self-training, ``settings.self_train``): the posts' gap to their theme's labelled works is in
    the words (docs/themes-evaluation.md, sessions 16 and 18), and real unlabelled posts the model
    is sure of carry posts' words for the theme. ``first``: that training's
    :class:`ThemeScores` of every forum post; ``pool``: the posts that may be chosen (no labelled
    or kept-out work). A post is chosen for a theme when the model tags it (combined score over
    the threshold, gate passed) by ``self_train_margin`` or more, or, with ``self_train_top``, when
    it is among the theme's that many posts whose combined score is highest over (or least under)
    the threshold, gate or not; a sub-theme's posts count for its parents too, as confident
    keyword tags do.

    Two refinements (session 19): with ``self_train_best_theme`` a post may be chosen only for its
    best theme (the one its combined score clears by most, or misses by least; ties to the first),
    so fifty posts a theme do not become a hundred extra positives of one big theme that every
    small theme's near posts also score for; with ``self_train_scaled_top`` each theme's k is
    ``self_train_top`` times its labelled positives (``positives``: per theme, in the training's
    labelled rows) over their mean across the trained themes, rounded and held within
    :data:`TOP_RANGE`, so a theme with few labelled works is not handed as many guesses as one
    with many."""
    import numpy as np

    n, k = first.combined.shape
    with np.errstate(invalid="ignore"):
        over = np.nan_to_num(first.combined - first.thresholds[None, :], nan=-np.inf)
    candidate = pool[:, None] & np.isfinite(over)
    if settings.self_train_best_theme:
        best = np.argmax(over, axis=1)                  # the first of equal maxima
        candidate &= np.arange(k)[None, :] == best[:, None]
    chosen = np.zeros((n, k), dtype=bool)
    if settings.self_train_top > 0:
        tops = top_per_theme(settings, first.thresholds, positives, k)
        for c in range(k):
            ranked = [i for i in np.argsort(-over[:, c], kind="stable") if candidate[i, c]]
            chosen[ranked[:tops[c]], c] = True
    else:
        gate = np.ones((n, k), dtype=bool) if first.on_topic is None else np.asarray(first.on_topic, dtype=bool)
        if gate.ndim == 1:
            gate = np.repeat(gate[:, None], k, axis=1)
        chosen = (over >= settings.self_train_margin) & gate & candidate
    out = np.zeros((n, k), dtype=bool)
    for c, cols in enumerate(closure):
        out[:, c] = chosen[:, cols].any(axis=1)
    return out & pool[:, None]


def top_per_theme(settings, thresholds, positives, k: int) -> list[int]:
    """Each theme's k for :func:`pseudo_positives`' top k: ``self_train_top`` for every theme, or
    with ``self_train_scaled_top`` round(``self_train_top`` * P / mean P) held within
    :data:`TOP_RANGE` (P: the theme's labelled positives; the mean over the trained themes, those
    with a threshold)."""
    import numpy as np

    if not settings.self_train_scaled_top:
        return [settings.self_train_top] * k
    trained = np.isfinite(np.asarray(thresholds, dtype=np.float64))
    p = np.asarray(positives, dtype=np.float64)
    mean = p[trained].mean() if trained.any() else 0.0
    if mean <= 0:
        return [settings.self_train_top] * k
    low, high = TOP_RANGE
    return [min(high, max(low, round(settings.self_train_top * float(p[c]) / mean))) for c in range(k)]


def excluded_files() -> list[Path]:
    """Every theme label file kb knows of, development or kept out: their posts are never taken
    as self-training's extra positives (``tests/data`` exists in kb's own checkout only)."""
    from kb.knowledge.theme_model import LABELS_FILE, POST_LABELS_FILE

    tests = Path(__file__).resolve().parents[2] / "tests" / "data"
    return [LABELS_FILE, POST_LABELS_FILE, *sorted(tests.glob("theme_*.jsonl"))]


def excluded_keys(paths: list[Path] | None = None) -> tuple[set[str], set[str]]:
    """(forum ids, title keys) of every work of ``paths`` (default :func:`excluded_files`): the id
    read from any of a work's addresses (``/posts/<id>``), the title as :func:`title_key` reduces it."""
    import re

    from kb.knowledge.theme_model import title_key

    ids, titles = set(), set()
    for path in excluded_files() if paths is None else paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            work = json.loads(line)
            if work.get("title"):
                titles.add(title_key(work["title"]))
            for value in work.values():
                if isinstance(value, str):
                    ids.update(re.findall(r"/posts/([A-Za-z0-9]{8,})", value))
                    if value and "/" not in value and re.fullmatch(r"[A-Za-z0-9]{17}", value):
                        ids.add(value)      # an ``_id`` field
    titles.discard("")
    return ids, titles


#: The forum posts that stand in for a store's rows with ``forum_rows`` (None: the list kb's forum
#: stand-in serves, ``kb/standin/forum/alignment-forum-posts.csv.gz``).
FORUM_POSTS: Path | None = None


def forum_file() -> Path:
    from kb.standin.forum.corpus import POSTS_FILE

    return POSTS_FILE if FORUM_POSTS is None else FORUM_POSTS


_KEPT: dict[str, Trained] = {}      # this process's trainings, by stamp (a test run tags many stores)


def model_for(post_model, taxonomy, fallback_threshold: float, shipped: Path | None = None) -> Trained:
    """The posts' model for these inputs: trained earlier in this process, else the shipped one
    when its stamp matches, else trained now."""
    key = stamp(post_model, taxonomy, fallback_threshold)
    got = _KEPT.get(key)
    if got is None:
        got = read(SHIPPED if shipped is None else shipped, key)
        if got is None:
            got = train(post_model, taxonomy, fallback_threshold)
        if len(_KEPT) >= 4:
            _KEPT.pop(next(iter(_KEPT)))
        _KEPT[key] = got
    return got


def write(path: Path, key: str, trained: Trained) -> None:
    """Keep ``trained`` at ``path`` under the stamp ``key``: the model's arrays (as
    :meth:`ThemeModel.save` writes them) with a fixed date in each zip entry, compressed with xz,
    so that the same model gives the same bytes."""
    import zipfile

    raw = io.BytesIO()
    model = io.BytesIO()
    trained.model.save(model)
    model.seek(0)
    with zipfile.ZipFile(model) as source, zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_STORED) as archive:
        meta = json.dumps({"stamp": key, "trained": trained.trained, "calibrated": trained.calibrated},
                          sort_keys=True).encode()
        archive.writestr(zipfile.ZipInfo("meta.json", date_time=(1980, 1, 1, 0, 0, 0)), meta)
        for name in sorted(source.namelist()):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, source.read(name))
    path.write_bytes(lzma.compress(raw.getvalue(), preset=9))


def _unpacked(path: Path):
    """(the archive's bytes, its meta.json) of the file at ``path``; None when it is missing or damaged."""
    import zipfile

    try:
        raw = io.BytesIO(lzma.decompress(path.read_bytes()))
        with zipfile.ZipFile(raw) as archive:
            meta = json.loads(archive.read("meta.json"))
    except (OSError, ValueError, KeyError, lzma.LZMAError, zipfile.BadZipFile):
        return None
    return (raw, meta) if isinstance(meta, dict) else None


def read(path: Path, key: str | None = None) -> Trained | None:
    """The model kept at ``path`` if its stamp is ``key`` (None: whatever it is); None when the
    file is missing, damaged or of other inputs."""
    import zipfile

    from kb.knowledge.theme_model import ThemeModel

    unpacked = _unpacked(path)
    if unpacked is None or key is not None and unpacked[1].get("stamp") != key:
        return None
    raw, meta = unpacked
    raw.seek(0)
    try:
        return Trained(ThemeModel.load(raw), {s: int(n) for s, n in meta["trained"].items()}, list(meta["calibrated"]))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None


def shipped_stamp(path: Path | None = None) -> str | None:
    """The stamp the shipped file was made under (None: missing or damaged)."""
    unpacked = _unpacked(SHIPPED if path is None else path)
    return None if unpacked is None else unpacked[1].get("stamp")
