"""A real HTTP server on 127.0.0.1 that answers like the Semantic Scholar Graph API.

Every test of kb's S2 client and crawler, and every benchmark, runs against this instead of
the internet: the same paths, parameters, limits, error bodies and pagination as the real
API, over a corpus the test controls, plus knobs the real API cannot offer on demand: an
enforced rate limit, injected faults, latency, an outage (``stop``/``start`` on the same
port), and a log of every request (including whether the API key was sent) that tests can
assert on.

The stdlib ``ThreadingHTTPServer`` is enough: rendering is cached in the corpus, each answer
is written with one ``send``, and keep-alive is supported, which sustains hundreds of
1000-edge pages per second on two cores; no extra dependency is needed.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable
from urllib.parse import parse_qs, unquote, urlsplit

from kb.standin import discovery
from kb.standin.corpus import Corpus
from kb.standin.discovery import ApiAnswer
from kb.standin.faults import Decision, FaultInjector, FaultRule, Faults
from kb.standin.fields import (
    FieldsError,
    parse_author_fields,
    parse_edge_fields,
    parse_paper_fields,
)
from kb.standin.search import SEARCH_RESULT_CAP, SearchParamError

if TYPE_CHECKING:
    from kb.standin.datasets.service import DatasetsService

GRAPH = "/graph/v1"
RECOMMENDATIONS = "/recommendations/v1/papers"
#: The corpus size ``kb standin serve`` and ``scripts/main.sh --standin`` serve by default.
DEFAULT_PAPERS = 20_000
BATCH_MAX_IDS = 500
EDGE_MAX_LIMIT = 1000
EDGE_WINDOW = 10_000
SEARCH_MAX_LIMIT = 100
DEFAULT_LIMIT = 100
#: The real API refuses (400) any answer that would exceed 10 MB (documented), and a batch
#: whose nested citations (or references) would exceed 9,999 in all (documented for citations).
MAX_RESPONSE_BYTES = 10 * 1024 * 1024
BATCH_MAX_NESTED = 9999
MSG_TOO_LARGE = ("Response would exceed maximum size of 10 MB. Either break the request into "
                 "smaller batches, or make use of the limit and offset features.")

MSG_FORBIDDEN = b'{"message":"Forbidden"}'
MSG_MISSING_TOKEN = b'{"message":"Missing Authentication Token"}'
MSG_429 = (b'{"message":"Too Many Requests. Please wait and try again or apply for a key for '
           b'higher rate limits. https://www.semanticscholar.org/product/api#api-key-form",'
           b'"code":"429"}')
#: Gateway-style bodies of injected server errors (what API Gateway/CloudFront send).
GATEWAY_ERRORS: dict[int, tuple[bytes, str]] = {
    500: (b'{"message": "Internal server error"}', "InternalServerErrorException"),
    502: (b'{"message": "Internal server error"}', "InternalServerErrorException"),
    503: (b'{"message": "Service Unavailable"}', "ServiceUnavailableException"),
    504: (b'{"message": "Endpoint request timed out"}', "IntegrationTimeoutException"),
}
_SEARCH_FILTERS = ("year", "publicationDateOrYear", "venue", "fieldsOfStudy", "publicationTypes",
                   "openAccessPdf", "minCitationCount")


@dataclass
class RequestRecord:
    """One request as the stand-in saw it; tests assert on these.

    ``status`` is None when the connection was dropped without an answer.
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    status: int | None = None
    fault: str | None = None
    endpoint: str = ""
    started: float = 0.0
    duration: float = 0.0

    @property
    def api_key(self) -> str | None:
        return self.headers.get("x-api-key")

    @property
    def has_api_key(self) -> bool:
        return "x-api-key" in self.headers

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class TokenBucket:
    """Allows ``rate`` requests per second with bursts of ``burst``; thread-safe."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = float(rate)
        self.burst = float(burst) if burst is not None else max(1.0, self.rate)
        self._tokens = self.burst
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


class SharedPool:
    """The unauthenticated pool every keyless client shares: in busy spells, which come and
    go whatever this client does, every request is answered 429.

    Time is cut into spells of ``spell_seconds``; a spell is busy with probability
    ``busy_share``, decided by a hash of its number and ``seed`` (repeatable, thread-safe).
    """

    def __init__(self, busy_share: float, spell_seconds: float = 0.5, seed: int = 0) -> None:
        if not 0.0 <= busy_share <= 1.0 or spell_seconds <= 0:
            raise ValueError("busy_share must be a probability and spell_seconds positive")
        self.busy_share = busy_share
        self.spell_seconds = spell_seconds
        self.seed = seed
        self._epoch = time.monotonic()

    def busy(self) -> bool:
        spell = int((time.monotonic() - self._epoch) / self.spell_seconds)
        return random.Random(spell * 1_000_003 + self.seed).random() < self.busy_share


def _int_param(query: dict[str, list[str]], name: str, default: int, *, minimum: int) -> int:
    values = query.get(name)
    if not values or values[0] == "":
        return default
    try:
        value = int(values[0])
    except ValueError:
        raise ApiAnswer(400, f"Unacceptable query params: [{name}={values[0]}]") from None
    if value < minimum:
        raise ApiAnswer(400, f"Unacceptable query params: [{name}={values[0]}]")
    return value


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address, handler, standin: "StandIn"):
        self.standin = standin
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        self.standin._track(request, True)
        super().process_request(request, client_address)

    def handle_error(self, request, client_address):  # noqa: D401 - quiet on client resets
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin"
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        self.server.standin._track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self.server.standin._handle(self, "GET")

    def do_POST(self) -> None:  # noqa: N802
        self.server.standin._handle(self, "POST")

    def do_HEAD(self) -> None:  # noqa: N802
        self.server.standin._handle(self, "HEAD")

    def send_raw(self, status: int, body: bytes, content_type: str = "application/json",
                 headers: Iterable[tuple[str, str]] = (), cut: int | None = None) -> None:
        """Send one answer; ``cut`` sends only that many body bytes, then drops the connection."""
        head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
                f"Content-Type: {content_type}", f"Content-Length: {len(body)}",
                f"x-amzn-RequestId: {uuid.uuid4()}"]
        head += [f"{k}: {v}" for k, v in headers]
        if self.close_connection:
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if self.command != "HEAD":
            data += body if cut is None else body[:cut]
        self.wfile.write(data)
        if cut is not None and self.command != "HEAD":
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)


class StandIn:
    """The stand-in server over a corpus, with its knobs; a context manager.

    Subclasses serve other APIs with the same knobs by overriding ``_route``,
    ``endpoint_name``, ``msg_429`` and ``gateway_error``.

    >>> with StandIn(generate_corpus(500)) as s:   # doctest: +SKIP
    ...     settings_url = s.url                   # http://127.0.0.1:PORT

    Knobs can be set at construction and changed at any time from any thread:
    ``set_faults``, ``fail_next``, ``clear_faults``, ``set_rate_limit``, ``set_api_key``.
    ``log`` and ``counters`` record what was served; ``reset()`` clears both.
    """

    msg_429 = MSG_429

    @staticmethod
    def endpoint_name(method: str, path: str) -> str:
        return _endpoint_name(method, path)

    @staticmethod
    def gateway_error(status: int) -> tuple:
        """The answer of an injected server error (what API Gateway/CloudFront send)."""
        payload, error_type = GATEWAY_ERRORS[status]
        return status, payload, "application/json", [("x-amzn-ErrorType", error_type)]

    def __init__(self, corpus: Corpus | None = None, *, rate_limit: float | None = None,
                 burst: float | None = None, api_key: str | None = None,
                 faults: Faults | None = None, port: int = 0, host: str = "127.0.0.1",
                 max_log: int = 200_000, datasets: "DatasetsService | None" = None,
                 max_response_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self.corpus = corpus if corpus is not None else Corpus()
        # Tests lower it to meet the cap without rendering 10 MB.
        self.max_response_bytes = max_response_bytes
        self.datasets = datasets  # the Datasets API and its file host, when served too
        self.host = host
        self._port = int(port)
        self.api_key = api_key
        self._limiter = TokenBucket(rate_limit, burst) if rate_limit else None
        self._shared_pool: SharedPool | None = None
        self._faults = FaultInjector(faults)
        self._lock = threading.Lock()
        self._log: list[RequestRecord] = []
        self._max_log = max_log
        self._counters: Counter = Counter()
        self._connections: set = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """The base URL to use as ``KB_S2_API_URL`` (paths are ``/graph/v1/...`` under it)."""
        return f"http://{self.host}:{self._port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> "StandIn":
        """Start serving (again, on the same port after ``stop``)."""
        if self._server is not None:
            return self
        self._stopping = threading.Event()
        server = None
        for attempt in range(50):
            try:
                server = _Server((self.host, self._port), _Handler, self)
                break
            except OSError:
                if not self._port or attempt == 49:
                    raise
                time.sleep(0.05)
        assert server is not None
        self._port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name=f"standin:{self._port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: new connections are refused and open ones are cut, as in an outage."""
        server = self._server
        if server is None:
            return
        self._server = None
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            conns = list(self._connections)
            self._connections.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                conn.close()
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def wait(self) -> None:
        """Block until ``stop`` is called from another thread (or KeyboardInterrupt)."""
        while self._server is not None:
            time.sleep(0.2)

    def __enter__(self) -> "StandIn":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _track(self, conn, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # -- knobs -------------------------------------------------------------------------------

    def set_faults(self, faults: Faults | None = None, /, **settings: Any) -> Faults:
        """Replace the fault configuration; returns the probabilistic part now in force.

        * ``set_faults(Faults(...))`` or ``set_faults(rate_504=0.1, latency=0.05, seed=1)``:
          exactly these per-request probabilities (RNG reset to ``seed``);
        * ``set_faults(rate=0.2, statuses=(429, 503), timeout_share=0.2, drop_share=0.1,
          malformed_share=0.1, timeout_seconds=0.6, seed=3)``: a total fault rate split into
          shares (see ``faults_from_shares``);
        * ``set_faults(fail_next=N, statuses=(503,), after=6, path=None)``: additionally
          script N failures (rotating through ``statuses``) after ``after`` requests;
        * ``set_faults(None)`` or ``set_faults()``: no faults at all, scripted ones included.
        """
        from dataclasses import replace

        from kb.standin.faults import faults_from_shares

        fail_next = settings.pop("fail_next", None)
        after = int(settings.pop("after", 0))
        rule_path = settings.pop("rule_path", None)
        if fail_next is not None:
            statuses = tuple(str(x) for x in settings.pop("statuses", ("503",)))
            self._faults.add_rule(FaultRule(statuses[0], times=int(fail_next), after=after,
                                            path=rule_path, choices=statuses if len(statuses) > 1 else ()))
            if not settings and faults is None:
                return self._faults.faults
        if faults is None and not settings:
            self.clear_faults()
            return self._faults.faults
        if "rate" in settings:
            new = faults_from_shares(**settings)
        elif faults is not None:
            new = replace(faults, **settings) if settings else faults
        else:
            new = Faults(**settings)
        self._faults.configure(new)
        return new

    @property
    def faults(self) -> Faults:
        return self._faults.faults

    def fail_next(self, times: int = 1, fault: str | int = "504", *, path: str | None = None,
                  seconds: float = 5.0, fraction: float = 0.25) -> FaultRule:
        """Script a fault for the next ``times`` requests matching ``path`` (a regex).

        ``fault``: 429/500/502/503/504, "drop", "malformed", "slow" (``seconds``), or
        "duplicate"/"nullids" (``fraction`` of the items of citation/reference pages).
        """
        rule = FaultRule(str(fault), times=times, path=path, seconds=seconds, fraction=fraction)
        self._faults.add_rule(rule)
        return rule

    def clear_faults(self) -> None:
        """No probabilistic faults, no latency, no scripted rules."""
        self._faults.configure(None)
        self._faults.clear_rules()

    @property
    def pending_faults(self) -> list[FaultRule]:
        return self._faults.pending_rules

    def set_rate_limit(self, rate: float | None, burst: float | None = None) -> None:
        """Enforce ``rate`` requests/second (token bucket, ``burst`` default max(1, rate))."""
        self._limiter = TokenBucket(rate, burst) if rate else None

    def set_shared_pool(self, busy_share: float | None, spell_seconds: float = 0.5,
                        seed: int = 0) -> None:
        """429s that arrive whatever the client's rate (the real API's shared pool for keyless
        clients): ``busy_share`` of the time, in spells of ``spell_seconds``. None: off."""
        self._shared_pool = SharedPool(busy_share, spell_seconds, seed) if busy_share else None

    def fail_list_always(self, paper_id: str, direction: str = "citations",
                         status: int | str = 500) -> FaultRule:
        """One paper's list errors on every request, for ever (a real S2 failure mode)."""
        return self.fail_next(10**9, status, path=f"/paper/{paper_id}/{direction}$")

    def set_api_key(self, key: str | None) -> None:
        """Require this ``x-api-key`` on every request (403 otherwise); None: no key needed."""
        self.api_key = key

    # -- observation -------------------------------------------------------------------------

    @property
    def log(self) -> list[RequestRecord]:
        """Requests served so far, oldest first: the live list (``log.clear()`` works)."""
        return self._log

    @property
    def counters(self) -> dict[str, int]:
        """Counts by outcome (a copy): ``requests``, ``status:<code>`` (``status:dropped``),
        ``faults`` (requests that got an injected error, drop, truncation or delay),
        ``fault:<kind>``, ``endpoint:<name>``, ``rate_limited``,
        ``api_key:sent|missing|wrong``."""
        with self._lock:
            return dict(self._counters)

    def reset(self) -> None:
        """Forget the log and the counters (knobs stay)."""
        with self._lock:
            self._log.clear()
            self._counters.clear()

    clear_log = reset

    def _record(self, rec: RequestRecord, api_key_state: str | None) -> None:
        with self._lock:
            self._log.append(rec)
            if len(self._log) > self._max_log:
                del self._log[: len(self._log) - self._max_log]
            c = self._counters
            c["requests"] += 1
            c[f"status:{rec.status if rec.status is not None else 'dropped'}"] += 1
            if rec.endpoint:
                c[f"endpoint:{rec.endpoint}"] += 1
            if rec.fault:
                for kind in rec.fault.split("+"):
                    c[f"fault:{kind}"] += 1
                if any(k not in ("duplicate", "nullids", "outage") for k in rec.fault.split("+")):
                    c["faults"] += 1
            if api_key_state:
                c[f"api_key:{api_key_state}"] += 1

    # -- request handling --------------------------------------------------------------------

    def _handle(self, h: _Handler, method: str) -> None:
        started = time.monotonic()
        split = urlsplit(h.path)
        path = split.path
        query = parse_qs(split.query, keep_blank_values=True)
        body = b""
        length = h.headers.get("Content-Length")
        if length:
            try:
                body = h.rfile.read(int(length))
            except (ValueError, OSError):
                body = b""
        headers = {k.lower(): v for k, v in h.headers.items()}
        endpoint = self.endpoint_name(method, path)
        rec = RequestRecord(method=method, path=path, query=query, headers=headers, body=body,
                            endpoint=endpoint, started=time.time())
        if self.datasets is not None and self.datasets.owns(path):
            self._answer_datasets(h, rec, method, path, query, headers)
            return
        key_state = None
        if self.api_key is not None or "x-api-key" in headers:
            sent = headers.get("x-api-key")
            key_state = ("missing" if sent is None else
                         "wrong" if self.api_key is not None and sent != self.api_key else "sent")
        # The record is written before the answer is sent, so a client that has its answer
        # (or a dropped connection) always finds the request in the log and the counters.
        answer = self._answer(rec, method, path, query, body, headers, endpoint)
        rec.duration = time.monotonic() - started
        self._record(rec, key_state)
        try:
            if answer is None:
                self._drop(h)
            else:
                h.send_raw(*answer)
        except OSError:
            h.close_connection = True

    def _answer_datasets(self, h: _Handler, rec: RequestRecord, method: str, path: str,
                         query: dict[str, list[str]], headers: dict[str, str]) -> None:
        if self._stopping.is_set():
            rec.fault = "outage"
            self._record(rec, None)
            self._drop(h)
            return
        base = f"http://{headers.get('host') or f'{self.host}:{self._port}'}"
        status, payload, content_type, extra, cut = self.datasets.answer(method, path, query, headers, base)
        rec.status = status
        rec.fault = "cut" if cut is not None else None
        self._record(rec, None)
        try:
            h.send_raw(status, payload, content_type, extra, cut=cut)
        except OSError:
            h.close_connection = True

    def _answer(self, rec: RequestRecord, method: str, path: str, query: dict[str, list[str]],
                body: bytes, headers: dict[str, str], endpoint: str) -> tuple | None:
        """(status, body, content type, headers) to send, or None to drop the connection."""
        json_type = "application/json"
        if self._stopping.is_set():
            rec.fault = "outage"
            return None
        if self.api_key is not None and headers.get("x-api-key") != self.api_key:
            rec.status = 403
            return 403, MSG_FORBIDDEN, json_type, [("x-amzn-ErrorType", "ForbiddenException")]
        limiter = self._limiter
        if limiter is not None and not limiter.allow():
            rec.status = 429
            with self._lock:
                self._counters["rate_limited"] += 1
            return 429, self.msg_429, json_type, []
        pool = self._shared_pool
        if pool is not None and pool.busy():
            rec.status, rec.fault = 429, "shared-pool"
            return 429, self.msg_429, json_type, []
        decision = self._faults.decide(path, edges=endpoint in ("citations", "references"))
        if decision.labels:
            rec.fault = "+".join(decision.labels)
        if decision.delay and self._stopping.wait(decision.delay):
            rec.fault = "outage"
            return None
        fault = decision.fault
        if fault == "429":
            rec.status = 429
            return 429, self.msg_429, json_type, []
        if fault in ("500", "502", "503", "504"):
            rec.status = int(fault)
            return self.gateway_error(rec.status)
        if fault == "drop":
            return None
        try:
            status, payload, extra = self._route(method, path, query, body, decision)
        except ApiAnswer as answer:
            status, payload, extra = answer.status, answer.body, []
        except Exception:  # a stand-in bug: answer like a crashed backend, and say why
            logging.getLogger(__name__).exception("stand-in failed on %s %s", method, path)
            rec.fault = "bug"
            status, payload, extra = 500, b'{"message": "Internal server error"}', []
        if status == 200 and len(payload) > self.max_response_bytes:
            status, payload, extra = 400, ApiAnswer(400, MSG_TOO_LARGE).body, []
        if fault == "malformed" and len(payload) > 1:
            payload = payload[: max(1, len(payload) // 2)]
        rec.status = status
        return status, payload, json_type, extra

    @staticmethod
    def _drop(h: _Handler) -> None:
        h.close_connection = True
        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: bytes,
               decision: Decision) -> tuple[int, bytes, list]:
        params = {k: v[0] for k, v in query.items()}
        if path.startswith(GRAPH + "/author/") or path.startswith(RECOMMENDATIONS):
            answer = self._route_discovery(method, path, params, body)
            if answer is not None:
                return (*answer, [])
            return 403, MSG_MISSING_TOKEN, [("x-amzn-ErrorType", "MissingAuthenticationTokenException")]
        if not path.startswith(GRAPH + "/paper"):
            return 403, MSG_MISSING_TOKEN, [("x-amzn-ErrorType", "MissingAuthenticationTokenException")]
        rest = path[len(GRAPH + "/paper"):]
        if method == "POST":
            if rest in ("/batch", "/batch/"):
                return self._batch(query, body)
            return 403, MSG_MISSING_TOKEN, [("x-amzn-ErrorType", "MissingAuthenticationTokenException")]
        if rest in ("/search/match", "/search/match/"):
            return self._match(query)
        if rest in ("/search/bulk", "/search/bulk/"):
            return (*discovery.bulk_search(self.corpus, params), [])
        if rest in ("/autocomplete", "/autocomplete/"):
            return (*discovery.autocomplete(self.corpus, params), [])
        if rest in ("/search", "/search/"):
            return self._search(query)
        if not rest.startswith("/"):
            return 403, MSG_MISSING_TOKEN, [("x-amzn-ErrorType", "MissingAuthenticationTokenException")]
        raw = unquote(rest[1:])
        for suffix in ("/citations", "/references"):
            if raw.endswith(suffix):
                return self._edges(raw[: -len(suffix)], suffix[1:], query, decision)
        if raw.endswith("/authors"):
            return self._authors(raw[: -len("/authors")], query)
        return self._paper(raw, query)

    def _route_discovery(self, method: str, path: str, params: dict[str, str],
                         body: bytes) -> tuple[int, bytes] | None:
        """Authors and recommendations (kb/standin/discovery.py); None: no such path."""
        corpus = self.corpus
        if path.startswith(RECOMMENDATIONS):
            rest = path[len(RECOMMENDATIONS):].strip("/")
            if method == "POST" and rest == "":
                return discovery.recommend_for_lists(corpus, params, body)
            if method in ("GET", "HEAD") and rest.startswith("forpaper/"):
                return discovery.recommend_for_paper(corpus, unquote(rest[len("forpaper/"):]), params)
            return None
        rest = unquote(path[len(GRAPH + "/author/"):]).rstrip("/")
        if method == "POST":
            return discovery.author_batch(corpus, params, body) if rest == "batch" else None
        if rest == "search":
            return discovery.author_search(corpus, params)
        if rest.endswith("/papers"):
            return discovery.author_papers(corpus, rest[:-len("/papers")], params)
        return discovery.author(corpus, rest, params) if rest and "/" not in rest else None

    def _resolve(self, paper_id: str) -> int:
        idx = self.corpus.resolve(paper_id)
        if idx is None:
            raise ApiAnswer(404, f"Paper with id {paper_id} not found")
        return idx

    @staticmethod
    def _paper_spec(query: dict[str, list[str]]):
        try:
            return parse_paper_fields(_first(query, "fields"))
        except FieldsError as exc:
            raise ApiAnswer(400, str(exc)) from None

    def _paper(self, paper_id: str, query) -> tuple[int, bytes, list]:
        idx = self._resolve(paper_id)
        spec = self._paper_spec(query)
        return 200, (self.corpus.render(idx, spec) + "\n").encode(), []

    def _batch(self, query, body: bytes) -> tuple[int, bytes, list]:
        spec = self._paper_spec(query)
        ids = discovery.batch_ids(body, "paper", BATCH_MAX_IDS)
        corpus = self.corpus
        found = [corpus.resolve(str(pid)) if pid is not None else None for pid in ids]
        if all(idx is None for idx in found):
            # Recorded: the real API answers 400 rather than a list of nulls.
            raise ApiAnswer(400, "No valid paper ids given")
        for direction, nested in (("citations", spec.citations), ("references", spec.references)):
            if nested is not None and sum(corpus.nested_length(i, direction) for i in found
                                          if i is not None) > BATCH_MAX_NESTED:
                raise ApiAnswer(400, f"Response would exceed maximum size: can only return up to "
                                     f"{BATCH_MAX_NESTED} {direction} at a time. Either break the "
                                     "request into smaller batches, or request fewer fields.")
        parts = ["null" if idx is None else corpus.render(idx, spec) for idx in found]
        return 200, ("[" + ", ".join(parts) + "]\n").encode(), []

    def _edges(self, paper_id: str, direction: str, query, decision: Decision) -> tuple[int, bytes, list]:
        corpus = self.corpus
        idx = self._resolve(paper_id)
        try:
            spec = parse_edge_fields(_first(query, "fields"), direction)
        except FieldsError as exc:
            raise ApiAnswer(400, str(exc)) from None
        offset = _int_param(query, "offset", 0, minimum=0)
        limit = _int_param(query, "limit", DEFAULT_LIMIT, minimum=1)
        if limit > EDGE_MAX_LIMIT:
            raise ApiAnswer(400, f"'limit' must be <= {EDGE_MAX_LIMIT}")
        if offset + limit >= EDGE_WINDOW:
            raise ApiAnswer(400, f"The sum of offset and limit must be < {EDGE_WINDOW}")
        pairs, total = corpus.edge_items(idx, direction, offset, limit, spec)
        if decision.duplicate or decision.nullids:
            rng = random.Random(decision.item_seed)
            items = []
            for a, b in pairs:
                item = corpus.render_edge(a, b, direction, spec,
                                          null_id=bool(decision.nullids) and rng.random() < decision.nullids)
                items.append(item)
                if decision.duplicate and rng.random() < decision.duplicate:
                    items.append(item)
        else:
            items = [corpus.render_edge(a, b, direction, spec, null_id=corpus.unresolved_entry(a))
                     for a, b in pairs]
        nxt = offset + limit
        head = f'{{"offset": {offset}, "next": {nxt}, "data": [' if nxt < total else \
            f'{{"offset": {offset}, "data": ['
        return 200, (head + ", ".join(items) + "]}\n").encode(), []

    def _authors(self, paper_id: str, query) -> tuple[int, bytes, list]:
        corpus = self.corpus
        idx = self._resolve(paper_id)
        try:
            fields = parse_author_fields(_first(query, "fields"))
        except FieldsError as exc:
            raise ApiAnswer(400, str(exc)) from None
        offset = _int_param(query, "offset", 0, minimum=0)
        limit = _int_param(query, "limit", DEFAULT_LIMIT, minimum=1)
        if limit > EDGE_MAX_LIMIT:
            raise ApiAnswer(400, f"'limit' must be <= {EDGE_MAX_LIMIT}")
        authors = corpus.authors_of(idx)
        data = [corpus.author_obj(a, fields) for a in authors[offset:offset + limit]]
        out: dict[str, Any] = {"offset": offset}
        if offset + limit < len(authors):
            out["next"] = offset + limit
        out["data"] = data
        return 200, (json.dumps(out) + "\n").encode(), []

    def _query_text(self, query) -> str:
        text = _first(query, "query")
        if text is None:
            raise ApiAnswer(400, "Missing required parameter: 'query'")
        return text

    def _search(self, query) -> tuple[int, bytes, list]:
        text = self._query_text(query)
        spec = self._paper_spec(query)
        offset = _int_param(query, "offset", 0, minimum=0)
        limit = _int_param(query, "limit", DEFAULT_LIMIT, minimum=1)
        if limit > SEARCH_MAX_LIMIT:
            raise ApiAnswer(400, f"'limit' must be <= {SEARCH_MAX_LIMIT}")
        if offset + limit > SEARCH_RESULT_CAP:
            raise ApiAnswer(400, "Requested data for this limit and/or offset is not available")
        filters = {k: query[k][0] for k in _SEARCH_FILTERS if k in query}
        try:
            hits = self.corpus.search(text, filters)
        except SearchParamError as exc:
            raise ApiAnswer(400, str(exc)) from None
        total = len(hits)
        if not total:
            return 200, (json.dumps({"total": 0, "offset": offset}) + "\n").encode(), []
        page = hits[offset:offset + limit]
        nxt = offset + limit
        head = f'{{"total": {total}, "offset": {offset}, '
        if nxt < min(total, SEARCH_RESULT_CAP):
            head += f'"next": {nxt}, '
        items = ", ".join(self.corpus.render(i, spec) for i in page)
        return 200, (head + '"data": [' + items + "]}\n").encode(), []

    def _match(self, query) -> tuple[int, bytes, list]:
        text = self._query_text(query)
        spec = self._paper_spec(query)
        best = self.corpus.match_title(text)
        if best is None:
            raise ApiAnswer(404, "Title match not found")
        idx, score = best
        rendered = self.corpus.render(idx, spec)
        match_score = round(40.0 + 200.0 * score, 4)
        item = rendered[:-1] + f', "matchScore": {match_score}}}'
        return 200, ('{"data": [' + item + "]}\n").encode(), []


def _endpoint_name(method: str, path: str) -> str:
    if path.startswith(RECOMMENDATIONS):
        return "recommendations"
    if path.startswith(GRAPH + "/author/"):
        return "author"
    if not path.startswith(GRAPH + "/paper"):
        return "other"
    rest = path[len(GRAPH + "/paper"):].rstrip("/")
    if rest == "/batch":
        return "batch"
    if rest == "/search/match":
        return "match"
    if rest == "/search":
        return "search"
    if rest == "/search/bulk":
        return "bulk"
    if rest == "/autocomplete":
        return "autocomplete"
    for name in ("citations", "references", "authors"):
        if rest.endswith("/" + name):
            return name
    return "paper" if method in ("GET", "HEAD") else "other"


def create_standin(*, papers: int = DEFAULT_PAPERS, seed: int = 0, works: list[str | Path] | None = None,
                   rate_limit: float | None = None, api_key: str | None = None,
                   faults: Faults | None = None, port: int = 8765, host: str = "127.0.0.1",
                   hub_citers: int | None = None, real_scale: bool = True,
                   max_citers: int | None = None) -> StandIn:
    """A stand-in over a generated corpus, as ``kb standin serve`` and ``scripts/main.sh
    --standin`` run it (not started): real works at their real scale, the real lists' oddities.

    ``works`` defaults to every ``kb/standin/works/*.jsonl``; ``max_citers``: see
    :func:`kb.standin.generate.generate_corpus`.
    """
    from kb.standin.corpus import default_works_files
    from kb.standin.generate import generate_corpus

    from kb.standin.datasets.service import DatasetsService

    files = list(works) if works else default_works_files()
    corpus = generate_corpus(papers, seed=seed, works=files, hub_citers=hub_citers,
                             real_scale=real_scale, max_citers=max_citers)
    return StandIn(corpus, rate_limit=rate_limit, api_key=api_key, faults=faults, port=port, host=host,
                   datasets=DatasetsService(corpus, api_key=api_key, seed=seed))
