"""``kb datasets pull`` and the download half of ``kb datasets update``.

A pull asks for the release's links once per dataset, downloads every file not yet complete
(resuming a partial one), and records each completed file in ``state.json`` at once, so an
interruption at any moment costs at most the bytes in flight. A pull of another release of a
dataset starts that dataset afresh (its Parquet table is rebuilt from the new files).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from kb.sources.datasets import api
from kb.sources.datasets.download import Downloader
from kb.sources.datasets.local import LocalDatasets, local_name


@dataclass
class PullProgress:
    """What a progress display needs; ``tell`` passes it on after every change."""

    dataset: str = ""
    file: str = ""
    files_done: int = 0
    files_total: int = 0
    bytes_done: int = 0
    tell: Callable[["PullProgress"], None] = field(default=lambda p: None, repr=False)

    def add_bytes(self, n: int) -> None:
        self.bytes_done += n
        self.tell(self)

    def file_done(self) -> None:
        self.files_done += 1
        self.tell(self)


@dataclass
class PullReport:
    release: str
    datasets: dict[str, dict] = field(default_factory=dict)
    files_downloaded: int = 0
    files_skipped: int = 0
    bytes: int = 0
    ranged_requests: int = 0
    relinks: int = 0
    retries: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def pull(settings, names: list[str], release: str = "latest", *, root=None,
         progress: Callable[[PullProgress], None] | None = None) -> PullReport:
    from kb.sources.datasets.local import datasets_dir

    api.require_key(settings)
    local = LocalDatasets(root or datasets_dir(settings))
    return asyncio.run(_pull(settings, local, list(dict.fromkeys(names)), release, progress))


async def _pull(settings, local: LocalDatasets, names: list[str], wanted: str, progress) -> PullReport:
    from kb.sources.s2.client import S2Client

    state = PullProgress(tell=progress or (lambda p: None))
    async with S2Client(settings) as client, Downloader(settings, on_bytes=state.add_bytes) as downloader:
        release = await api.resolve_release(client, wanted)
        report = PullReport(release=release)
        links = {name: await api.dataset_links(client, release, name) for name in names}
        state.files_total = sum(len(v) for v in links.values())
        for name in names:
            ds = local.dataset(name)
            if ds.release != release:
                ds.release, ds.files, ds.parquet_release, ds.parquet_rows = release, {}, None, None
            ds.expected = [local_name(u) for u in links[name]]
            local.save()
            folder = local.raw_dir(release, name)
            downloaded = 0
            for position, url in enumerate(links[name]):
                file_name = local_name(url)
                state.dataset, state.file = name, file_name
                if file_name in ds.files and (folder / file_name).exists():
                    report.files_skipped += 1
                    state.file_done()
                    continue

                async def relink(name=name, position=position, file_name=file_name) -> str:
                    fresh = await api.dataset_links(client, release, name)
                    matching = [u for u in fresh if local_name(u) == file_name]
                    return matching[0] if matching else fresh[position]

                size = await downloader.fetch(url, folder / file_name, relink)
                ds.files[file_name] = size
                local.save()
                downloaded += 1
                report.files_downloaded += 1
                state.file_done()
            report.datasets[name] = {"files": len(ds.expected), "downloaded": downloaded,
                                     "bytes": sum(ds.files.values())}
        report.bytes = state.bytes_done
        report.ranged_requests = downloader.ranged_requests
        report.relinks = downloader.relinks
        report.retries = downloader.retries
        return report


async def download_diffs(settings, local: LocalDatasets, name: str, start: str, wanted: str = "latest",
                         progress: Callable[[PullProgress], None] | None = None):
    """Download every diff file from ``start`` to the latest release; returns
    ``(end_release, [(diff, update paths, delete paths)])``."""
    from kb.sources.s2.client import S2Client

    state = PullProgress(dataset=name, tell=progress or (lambda p: None))
    async with S2Client(settings) as client, Downloader(settings, on_bytes=state.add_bytes) as downloader:
        end = await api.resolve_release(client, wanted)
        if end <= start:
            return end, []
        steps = await api.diffs(client, start, end, name)
        state.files_total = sum(len(d.update_files) + len(d.delete_files) for d in steps)
        out = []
        for number, diff in enumerate(steps):
            paths: dict[str, list] = {"updates": [], "deletes": []}
            for kind, urls in (("updates", diff.update_files), ("deletes", diff.delete_files)):
                folder = local.diff_dir(diff.from_release, diff.to_release, name, kind)
                for position, url in enumerate(urls):
                    target = folder / local_name(url)
                    state.file = target.name
                    if not target.exists():
                        async def relink(number=number, kind=kind, position=position) -> str:
                            fresh = (await api.diffs(client, start, end, name))[number]
                            return (fresh.update_files if kind == "updates" else fresh.delete_files)[position]

                        await downloader.fetch(url, target, relink)
                    paths[kind].append(target)
                    state.file_done()
            out.append((diff, paths["updates"], paths["deletes"]))
        return end, out
