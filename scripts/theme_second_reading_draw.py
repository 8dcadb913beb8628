"""Draw the posts of session 16's blind second reading and write their titles and texts only.

Standalone on purpose (imports nothing from kb): the second reader must see each post as the
first reader did, its title and stored summary, and none of the first reading's labels, so the
draw writes no `themes` field anywhere. Usage: theme_second_reading_draw.py OUT.jsonl
"""

import json
import random
import sys
from pathlib import Path

PENDING = Path(__file__).resolve().parent.parent / "data" / "theme_labels_pending.jsonl"
SPLITS = ("dev13", "dev14")
SEED, SIZE = 18, 240


def draw(path: Path = PENDING) -> list[dict]:
    """The sample: random posts of dev13 and dev14, sorted by title so the draw is reproducible."""
    posts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if row.get("split") in SPLITS:
            posts.append({"title": row["title"], "split": row["split"], "abstract": row.get("abstract") or ""})
    posts.sort(key=lambda p: p["title"])
    return random.Random(SEED).sample(posts, SIZE)


if __name__ == "__main__":
    out = Path(sys.argv[1])
    with out.open("w", encoding="utf-8") as f:
        for post in draw():
            f.write(json.dumps(post, ensure_ascii=False) + "\n")
