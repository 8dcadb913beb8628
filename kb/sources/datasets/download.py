"""Downloading bulk files from their pre-signed links: resumable, checked, re-linked on expiry.

The file host (S3) is a service of its own, so it gets its own connection pool and the one
retry policy (no rate limit: S3 has none that a single user meets). A file is written to
``<name>.part`` and renamed only once its size matches what the host announced and it
decompresses to the end as gzip, so a complete-looking file is always a good one. After a
dropped connection, or a later ``kb datasets pull``, the download continues from the bytes
already on disk with an HTTP ``Range`` request. A link refused with 403 has expired (they last
about an hour): the caller's ``relink`` asks the Datasets API for a fresh one.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import os
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from kb.errors import ApiAuthError, ApiError
from kb.sources.retry import RetryPolicy

log = logging.getLogger("kb.datasets")

CHUNK = 1 << 20
MAX_RELINKS = 3


class CorruptFile(Exception):
    """The bytes arrived but are not a whole gzip file."""


def check_gzip(path: Path) -> None:
    """Decompress to the end: raises :class:`CorruptFile` on a truncated or damaged file."""
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(CHUNK):
                pass
    except (OSError, EOFError, zlib.error) as exc:
        raise CorruptFile(f"{path.name} is not a complete gzip file ({exc})") from None


def _total_from(response: httpx.Response, offset: int) -> int | None:
    if response.status_code == 206:
        value = response.headers.get("content-range", "")
        if "/" in value and value.rsplit("/", 1)[1].isdigit():
            return int(value.rsplit("/", 1)[1])
    length = response.headers.get("content-length")
    if length and length.isdigit():
        return int(length) + (offset if response.status_code == 206 else 0)
    return None


class Downloader:
    """One pool for the file host. ``async with Downloader(settings) as d: await d.fetch(...)``."""

    def __init__(self, settings, *, policy: RetryPolicy | None = None,
                 on_bytes: Callable[[int], None] | None = None):
        self.policy = policy or RetryPolicy(max_attempts=settings.max_attempts,
                                            base_delay=settings.backoff_base, max_delay=settings.backoff_cap)
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(settings.timeout_seconds,
                                                             connect=min(10.0, settings.timeout_seconds)),
                                       headers={"User-Agent": "kb (literature knowledge base)"})
        self.on_bytes = on_bytes or (lambda n: None)
        self.ranged_requests = 0
        self.relinks = 0
        self.retries = 0

    async def __aenter__(self) -> "Downloader":
        return self

    async def __aexit__(self, *exc) -> None:
        await self._http.aclose()

    async def fetch(self, url: str, dest: Path, relink: Callable[[], Awaitable[str]]) -> int:
        """Download ``url`` to ``dest`` (resuming ``dest.part``); returns the file's size."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        relinks = corrupt = 0
        attempt = 0
        while True:
            attempt += 1
            offset = part.stat().st_size if part.exists() else 0
            try:
                total = await self._stream(url, part, offset)
            except _Expired:
                if relinks >= MAX_RELINKS:
                    raise ApiAuthError(f"the file host kept refusing {dest.name} (403) even with fresh "
                                       "links; check S2_API_KEY and the machine's clock") from None
                relinks += 1
                self.relinks += 1
                log.info("link for %s expired; asking for a fresh one", dest.name)
                url = await relink()
                attempt -= 1
                continue
            except _Retryable as problem:
                if attempt >= self.policy.max_attempts:
                    raise ApiError(f"could not download {dest.name} after {attempt} attempts "
                                   f"(last: {problem}); run the same command again to resume") from None
                self.retries += 1
                await asyncio.sleep(self.policy.delay(attempt))
                continue
            size = part.stat().st_size
            try:
                if total is not None and size != total:
                    raise CorruptFile(f"{dest.name} has {size:,} bytes, the host announced {total:,}")
                await asyncio.to_thread(check_gzip, part)
            except CorruptFile as exc:
                part.unlink(missing_ok=True)
                corrupt += 1
                if corrupt > 1:
                    raise ApiError(f"{exc}, twice; nothing of it was kept") from None
                log.warning("%s; downloading it again", exc)
                continue
            os.replace(part, dest)
            return size

    async def _stream(self, url: str, part: Path, offset: int) -> int | None:
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        if offset:
            self.ranged_requests += 1
        try:
            async with self._http.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status in (401, 403):
                    raise _Expired()
                if status == 416 and offset:
                    return offset  # everything is already here; the checks decide
                if status not in (200, 206):
                    if self.policy.should_retry_status(status):
                        raise _Retryable(f"HTTP {status}")
                    raise ApiError(f"the file host answered HTTP {status} for {part.name[:-5]}")
                if status == 200 and offset:
                    offset = 0  # the host ignored the range: start over
                total = _total_from(response, offset)
                with open(part, "r+b" if offset else "wb") as fh:
                    fh.seek(offset)
                    fh.truncate()
                    async for chunk in response.aiter_raw():  # as received: a cut keeps its bytes
                        fh.write(chunk)
                        self.on_bytes(len(chunk))
                return total
        except httpx.TimeoutException:
            raise _Retryable("timed out") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"connection problem ({exc.__class__.__name__})") from None


class _Expired(Exception):
    pass


class _Retryable(Exception):
    pass
