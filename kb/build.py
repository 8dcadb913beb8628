"""The main job: seed documents -> resolved seeds -> citation crawl -> ranks and tags.

One writer lock and one API client for the whole pipeline, so the rate limit and the request
count cover seeding and crawling together, and a second build waits or is refused as a crawl
would be. Every stage commits as it goes: an interrupted build is resumed by running it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kb.crawl.crawler import CrawlBudget, CrawlProgress, CrawlReport, crawl_session
from kb.errors import UsageError
from kb.settings import DATA_DIR


@dataclass
class BuildReport:
    seeds: dict
    crawl: CrawlReport
    store: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"seeds": self.seeds, "crawl": self.crawl.as_dict(), "store": self.store}


def default_documents() -> list[Path]:
    return sorted((DATA_DIR / "seeds").glob("*.txt"))


def build(db_path: Path, documents: list[Path] | None = None, budget: CrawlBudget | None = None, *,
          settings=None, wait: bool = False, tag: bool = True,
          progress: Callable[[CrawlProgress], None] | None = None) -> BuildReport:
    from kb.grounding import seeds
    from kb.grounding.aliases import AliasTable
    from kb.store import Store
    from kb.store.status import store_status

    documents = list(documents) if documents else default_documents()
    if not documents:
        raise UsageError(f"no seed documents given and none in {DATA_DIR / 'seeds'}")
    aliases = AliasTable.load()
    seeded: dict = {}

    async def add_seeds(store, client, forum) -> None:
        seeded.update((await seeds.add_documents(store, client, documents, aliases,
                                                 forum=forum)).to_dict())

    report = crawl_session(db_path, budget or CrawlBudget(), what="kb build", settings=settings,
                           wait=wait, progress=progress, before=add_seeds, tag=tag)
    with Store(db_path, readonly=True) as store:
        return BuildReport(seeds=seeded, crawl=report, store=store_status(store))
