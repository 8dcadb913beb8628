"""The Datasets API and its file host, as the stand-in serves them.

``/datasets/v1/release/`` (the release list), ``/release/{id}`` (its datasets; ``latest`` works
too), ``/release/{id}/dataset/{name}`` (pre-signed download links) and
``/diffs/{start}/to/{end}/{name}`` (update and delete files between two releases) answer as
api.semanticscholar.org does; the links point at ``/ai2-s2ag/...`` on the same server, which
plays S3: it checks the link's signature and expiry (403 ``Request has expired`` after
``link_ttl`` seconds, or at once after :meth:`expire_links`), and honours HTTP ``Range``.

As unkind as the real service: the dataset links and diffs need an API key (403 without); links
expire; :meth:`cut_downloads` drops the connection part-way through the next file bodies.
Files are written on first use into a cache directory, so a stand-in that nobody asks for bulk
data costs nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from kb.standin.corpus import Corpus
from kb.standin.datasets.bulk import (
    DATASETS,
    GENERATED,
    LATEST_RELEASE,
    RELEASES,
    BulkRecords,
    shard,
    snapshots,
    write_jsonl_gz,
)

PREFIX = "/datasets/v1"
FILES = "/ai2-s2ag/"
FORBIDDEN = b'{"message":"Forbidden"}'
_FILES_PER_DATASET = {"papers": 3, "citations": 4, "abstracts": 2, "tldrs": 1, "embeddings-specter_v2": 2}
_README = ("Semantic Scholar Academic Graph Datasets\n\nThese datasets provide a variety of information "
           "about research papers taken from a snapshot in time of the Semantic Scholar corpus.\n\n"
           "FULL DATA ACCESS\nDownloading the full data requires an API key.\n")


def _s3_error(code: str, message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}'
            f'</Message><RequestId>STANDIN</RequestId></Error>').encode()


class DatasetsService:
    """The Datasets API over one corpus. Thread-safe; knobs may be turned at any time."""

    def __init__(self, corpus: Corpus, *, api_key: str | None = None, link_ttl: float = 3600.0,
                 root: Path | str | None = None, seed: int = 0):
        self.corpus = corpus
        self.api_key = api_key
        self.link_ttl = link_ttl
        self._own_root = root is None
        self._root = Path(root) if root is not None else None
        self._secret = os.urandom(16)
        self._not_before = 0.0
        self._lock = threading.Lock()
        self._snapshots = snapshots(corpus, seed)
        self._files: dict[tuple, list[str]] = {}
        self._cuts: list[int] = []
        self.counters: Counter = Counter()

    # -- knobs ------------------------------------------------------------------------------------
    def expire_links(self) -> None:
        """Every link handed out so far is now expired (as if an hour had passed)."""
        self._not_before = time.time() + 1e-6
        time.sleep(0.002)

    def cut_downloads(self, after_bytes: int, times: int = 1) -> None:
        """The next ``times`` file bodies stop after ``after_bytes`` bytes (connection dropped)."""
        with self._lock:
            self._cuts.extend([after_bytes] * times)

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="kb-standin-datasets-"))
        return self._root

    def close(self) -> None:
        """Remove the generated files (when the service chose their folder itself)."""
        if self._own_root and self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None
            self._files.clear()

    # -- files ------------------------------------------------------------------------------------
    def release_files(self, release: str, name: str) -> list[str]:
        """Object keys of one dataset's files in one release (generated on first use)."""
        key = ("release", release, name)
        with self._lock:
            if key not in self._files:
                self._files[key] = self._write_release(release, name)
            return self._files[key]

    def _write_release(self, release: str, name: str) -> list[str]:
        stamp = release.replace("-", "")
        folder = f"staging/{release}/{name}"
        (self.root / folder).mkdir(parents=True, exist_ok=True)
        records = [rec for _, rec in BulkRecords(self.corpus, self._snapshots[release]).dataset(name)]
        keys = []
        for i, part in enumerate(shard(records, _FILES_PER_DATASET[name])):
            obj = f"{folder}/{stamp}_{i}"  # S2's staging files have no extension
            write_jsonl_gz(self.root / obj, iter(part))
            keys.append(obj)
        return keys

    def diff_files(self, start: str, end: str, name: str) -> tuple[list[str], list[str]]:
        key = ("diff", start, end, name)
        with self._lock:
            if key not in self._files:
                self._files[key] = self._write_diff(start, end, name)
            return self._files[key]

    def _write_diff(self, start: str, end: str, name: str) -> tuple[list[str], list[str]]:
        pk = DATASETS[name][1]
        old = {k: _digest(rec) for k, rec in BulkRecords(self.corpus, self._snapshots[start]).dataset(name)}
        updates = []
        for k, rec in BulkRecords(self.corpus, self._snapshots[end]).dataset(name):
            if old.pop(k, None) != _digest(rec):
                updates.append(rec)
        deletes = [{pk: k} for k in sorted(old)]
        stamp = end.replace("-", "")
        out: list[list[str]] = []
        for kind, records, n_files in (("updates", updates, 2), ("deletes", deletes, 1)):
            folder = f"{kind}/{start}-to-{end}/{name}"
            (self.root / folder).mkdir(parents=True, exist_ok=True)
            keys = []
            for i, part in enumerate(shard(records, n_files), start=1):
                obj = f"{folder}/{stamp}_{i}.gz"
                write_jsonl_gz(self.root / obj, iter(part))
                keys.append(obj)
            out.append(keys)
        return out[0], out[1]

    # -- links ------------------------------------------------------------------------------------
    def _sign(self, obj: str, stamp: str, expires: int) -> str:
        return hmac.new(self._secret, f"{obj}\n{stamp}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def _link(self, base: str, obj: str) -> str:
        now = time.time()
        stamp = datetime.fromtimestamp(now, timezone.utc).strftime("%Y%m%dT%H%M%S") + f".{int(now * 1e6) % 10**6:06d}Z"
        expires = max(1, int(round(self.link_ttl)))
        query = urlencode({"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Date": stamp,
                           "X-Amz-Expires": expires, "X-Amz-SignedHeaders": "host",
                           "X-Amz-Signature": self._sign(obj, stamp, expires)})
        return f"{base}{FILES}{obj}?{query}"

    def _link_problem(self, obj: str, query: dict[str, list[str]]) -> str | None:
        first = {k: v[0] for k, v in query.items() if v}
        stamp, expires, signature = first.get("X-Amz-Date"), first.get("X-Amz-Expires"), first.get("X-Amz-Signature")
        if not (stamp and expires and signature) or not expires.isdigit():
            return "AccessDenied:Request is missing its signature"
        if not hmac.compare_digest(signature, self._sign(obj, stamp, int(expires))):
            return "SignatureDoesNotMatch:The request signature we calculated does not match the signature you provided."
        issued = datetime.strptime(stamp, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
        if time.time() > issued + int(expires) or issued < self._not_before:
            return "AccessDenied:Request has expired"
        return None

    # -- HTTP ---------------------------------------------------------------------------------------
    @staticmethod
    def owns(path: str) -> bool:
        return path.startswith(PREFIX) or path.startswith(FILES)

    def answer(self, method: str, path: str, query: dict[str, list[str]],
               headers: dict[str, str], base: str) -> tuple[int, bytes, str, list, int | None]:
        """(status, body, content type, extra headers, bytes to send before cutting or None)."""
        if path.startswith(FILES):
            return self._file(path[len(FILES):], query, headers)
        self.counters["api"] += 1
        rest = path[len(PREFIX):].rstrip("/")
        parts = [p for p in rest.split("/") if p]
        if parts == ["release"]:
            return _json(list(RELEASES))
        if len(parts) == 2 and parts[0] == "release":
            release = self._release(parts[1])
            if release is None:
                return _json({"message": f"Release {parts[1]} not found"}, 404)
            return _json({"release_id": release, "README": _README,
                          "datasets": [{"name": n, "description": d, "README": f"The \"{n}\" dataset."}
                                       for n, (d, _) in DATASETS.items()]})
        needs_key = (len(parts) == 4 and parts[0] == "release" and parts[2] == "dataset") or \
                    (len(parts) == 5 and parts[0] == "diffs" and parts[2] == "to")
        if not needs_key:
            return 403, b'{"message":"Missing Authentication Token"}', "application/json", \
                [("x-amzn-ErrorType", "MissingAuthenticationTokenException")], None
        sent = headers.get("x-api-key")
        if not sent or (self.api_key is not None and sent != self.api_key):
            self.counters["forbidden"] += 1
            return 403, FORBIDDEN, "application/json", [("x-amzn-ErrorType", "ForbiddenException")], None
        if parts[0] == "release":
            release, name = self._release(parts[1]), parts[3]
            if release is None or name not in DATASETS:
                return _json({"message": f"Dataset {name} not found in release {parts[1]}"}, 404)
            files = self.release_files(release, name) if name in GENERATED else []
            return _json({"name": name, "description": DATASETS[name][0],
                          "README": f"The \"{name}\" dataset.",
                          "files": [self._link(base, obj) for obj in files]})
        start, end, name = self._release(parts[1]), self._release(parts[3]), parts[4]
        if start is None or end is None or name not in DATASETS or start > end:
            return _json({"message": f"No diffs for {name} from {parts[1]} to {parts[3]}"}, 404)
        diffs = []
        if start != end and name in GENERATED:
            updates, deletes = self.diff_files(start, end, name)
            diffs.append({"from_release": start, "to_release": end,
                          "update_files": [self._link(base, o) for o in updates],
                          "delete_files": [self._link(base, o) for o in deletes]})
        return _json({"dataset": name, "start_release": start, "end_release": end, "diffs": diffs})

    @staticmethod
    def _release(name: str) -> str | None:
        if name == "latest":
            return LATEST_RELEASE
        return name if name in RELEASES else None

    def _file(self, obj: str, query, headers) -> tuple[int, bytes, str, list, int | None]:
        self.counters["file_requests"] += 1
        xml = "application/xml"
        problem = self._link_problem(obj, query)
        if problem:
            code, message = problem.split(":", 1)
            self.counters["file_refused"] += 1
            return 403, _s3_error(code, message), xml, [], None
        path = self.root / obj
        if ".." in obj or not path.is_file():
            return 404, _s3_error("NoSuchKey", "The specified key does not exist."), xml, [], None
        data = path.read_bytes()
        total = len(data)
        extra = [("Accept-Ranges", "bytes"), ("ETag", f'"{hashlib.md5(data).hexdigest()}"'),
                 ("Last-Modified", "Tue, 24 Nov 2026 00:00:00 GMT")]
        status, body = 200, data
        wanted = headers.get("range")
        if wanted:
            span = _parse_range(wanted, total)
            if span is None:
                return 416, _s3_error("InvalidRange", "The requested range is not satisfiable"), xml, \
                    [("Content-Range", f"bytes */{total}")], None
            first, last = span
            status, body = 206, data[first:last + 1]
            extra.append(("Content-Range", f"bytes {first}-{last}/{total}"))
        cut = None
        with self._lock:
            if self._cuts:
                cut = min(self._cuts.pop(0), max(0, len(body) - 1))
        self.counters["file_bytes"] += len(body) if cut is None else cut
        return status, body, "binary/octet-stream", extra, cut


def _digest(record: dict) -> str:
    body = {k: v for k, v in record.items() if k != "updated"}
    return hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _json(obj: Any, status: int = 200) -> tuple[int, bytes, str, list, None]:
    return status, json.dumps(obj).encode(), "application/json", [], None


def _parse_range(value: str, total: int) -> tuple[int, int] | None:
    """``bytes=a-b`` / ``bytes=a-`` / ``bytes=-n`` -> inclusive span, None when unsatisfiable."""
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    start, _, end = spec.strip().partition("-")
    try:
        if not start:
            n = int(end)
            return (max(0, total - n), total - 1) if n > 0 and total else None
        first = int(start)
        last = int(end) if end else total - 1
    except ValueError:
        return None
    if first >= total or last < first:
        return None
    return first, min(last, total - 1)
