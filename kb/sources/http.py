"""The one request loop every remote service's client shares.

Each service (Semantic Scholar, the forum) has its own connection pool, rate limiter, retry
policy and request budget, but they must behave alike where a user notices: retry what is
worth retrying with backoff, slow down on 429, count every attempt against the budget, and give
up within seconds, with one line saying why, when the host does not answer at all. Subclasses
say only what differs: the service's name, how its refusals read, and what to suggest.

Requests wait for their slot and are sent from an event loop in a thread of the client's own
(:class:`SendLoop`), not from the caller's. The caller's loop is busy between answers: a crawl
spends about 60 ms of CPU parsing and storing a page of 1000 entries, and a request whose slot
came up meanwhile used to leave only when the page was stored, which cost a crawl at 10 req/s
6% of its rate. Python threads share one interpreter, but the sending thread gets it back
within the switch interval (5 ms) and whenever SQLite works, so a send no longer waits for a
page to be stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
import msgspec

from kb.errors import ApiError
from kb.sources.rate_limit import AdaptiveRateLimiter
from kb.sources.retry import RetryPolicy

#: Seconds without any answer at all (connection refused, unreachable) after which every
#: request of a client gives up, so that a command fails within 30 s when offline.
UNREACHABLE_AFTER = 10.0


class RequestBudgetSpent(Exception):
    """The client has sent as many requests as it was allowed (retries included); not an
    error: the caller stops where it is, and a later run continues."""


class RequestBudget:
    """How many more requests may leave, retries included, shared by every client of one
    command (a crawl's ``--max-requests`` covers papers and forum posts alike)."""

    def __init__(self, limit: int):
        self.left = limit
        self._lock = threading.Lock()  # each client sends from a thread of its own

    def take(self) -> None:
        with self._lock:
            if self.left <= 0:
                raise RequestBudgetSpent()
            self.left -= 1


class SendLoop:
    """An event loop in a daemon thread, where a client's requests wait for their slot, are
    sent and are read, whatever the caller's loop is busy with."""

    def __init__(self, name: str):
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    async def run(self, coroutine: Awaitable[Any]) -> Any:
        """Await ``coroutine`` run in this loop; cancelling the caller cancels it there."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    def stop(self) -> None:
        """Cancel what is still waiting here, then end the loop. A request left pending would
        be cancelled later by its caller (when one of its siblings failed, say), through a loop
        that is closed by then, and Python prints that as a traceback."""
        async def cancel_pending() -> None:
            pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        try:
            asyncio.run_coroutine_threadsafe(cancel_pending(), self.loop).result(timeout=10)
        except (TimeoutError, RuntimeError):
            pass  # the loop is already stopped, or a request ignores cancellation: stop anyway
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self.loop.close()


class ServiceClient:
    """Async client of one remote service. Use ``async with Client(...) as client:``."""

    #: How messages name the service ("Semantic Scholar").
    service = "the service"
    #: What a rate-limited user can change, and the setting that names the service's address:
    #: the advice a request that failed every attempt ends with.
    rate_limit_advice = ""
    address_setting = ""
    log = logging.getLogger("kb.http")

    def __init__(self, *, base_url: str, rate: float, burst: float, policy: RetryPolicy,
                 headers: dict[str, str], timeout: float, max_connections: int,
                 transport: httpx.AsyncBaseTransport | None = None):
        self.base_url = base_url
        self.limiter = AdaptiveRateLimiter(rate, burst=burst)
        self.policy = policy
        self.timeout_seconds = timeout
        self._http = httpx.AsyncClient(
            base_url=base_url, headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            transport=transport)
        self.requests_sent = 0
        self.retries = 0
        self.statuses: Counter[str] = Counter()
        # The requests that may still leave, retries included (None: no limit).
        self.request_budget: RequestBudget | None = None
        self.unreachable_after = UNREACHABLE_AFTER
        self._unanswered_since: float | None = None
        # When the latest request that got its answer was sent: proof the service worked then.
        self.last_success_sent = float("-inf")
        self._unreachable: ApiError | None = None
        self._sender: SendLoop | None = None  # started by the first request

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._sender is None:
            await self._http.aclose()
            return
        try:
            await self._sender.run(self._http.aclose())
        finally:
            self._sender.stop()
            self._sender = None

    # -- what differs between services -----------------------------------------------------
    def refusal(self, status: int, response: httpx.Response, path: str) -> Exception:
        """The error for an answer that no retry will change (400, 401, 403, 404, ...)."""
        return ApiError(f"{self.service} answered HTTP {status} for {path}")

    def hint(self, last_problem: str) -> str:
        """What the user can do about ``last_problem`` once every attempt failed."""
        if "429" in last_problem and self.rate_limit_advice:
            return f"; {self.rate_limit_advice}"
        if ("connect" in last_problem or "refused" in last_problem) and self.address_setting:
            return f"; check the network or {self.address_setting} ({self.base_url})"
        return ""

    # -- the one request path ----------------------------------------------------------------
    async def request(self, method: str, path: str, *,
                      params: dict[str, Any] | Sequence[tuple[str, Any]] | None = None,
                      json_body: Any = None, validate: Callable[[Any], bool] | None = None) -> Any:
        """Send one logical request, retrying what is worth retrying; returns parsed JSON.
        The attempts run in the client's send loop (see the module's docstring)."""
        if self._sender is None:
            self._sender = SendLoop(f"kb-send-{self.service}")
        return await self._sender.run(self._attempts(method, path, params, json_body, validate))

    async def _attempts(self, method: str, path: str, params, json_body: Any,
                        validate: Callable[[Any], bool] | None) -> Any:
        last_problem = "no attempt made"
        first_failure_at: float | None = None
        for attempt in range(1, self.policy.max_attempts + 1):
            self._check_can_send()
            await self.limiter.acquire()
            self._check_can_send()
            if self.request_budget is not None:
                self.request_budget.take()
            self.requests_sent += 1
            started = time.monotonic()
            try:
                response = await self._http.request(method, path, params=params, json=json_body)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last_problem = describe_transport_error(exc)
                self.statuses["connection"] += 1
                self._no_answer(method, path, attempt, last_problem)
            except httpx.TimeoutException:
                last_problem = f"timed out after {self.timeout_seconds:g} s"
                self.statuses["timeout"] += 1
            except httpx.TransportError as exc:
                last_problem = describe_transport_error(exc)
                self.statuses["connection"] += 1
            else:
                self._unanswered_since = None
                status = response.status_code
                self.statuses[str(status)] += 1
                self.log.debug("%s %s -> %s in %.3f s", method, path, status, time.monotonic() - started)
                if status == 200:
                    try:
                        data = decode_json(response.content)
                    except ValueError:
                        last_problem = "a malformed JSON body"
                    else:
                        if validate is None or validate(data):
                            self.limiter.on_success()
                            self.last_success_sent = max(self.last_success_sent, started)
                            return data
                        last_problem = "an answer of the wrong shape"
                elif status == 429:
                    self.limiter.on_throttled()
                    last_problem = "HTTP 429 (rate limited)"
                elif self.policy.should_retry_status(status):
                    last_problem = f"HTTP {status}"
                else:
                    raise self.refusal(status, response, path)
            if first_failure_at is None:
                first_failure_at = time.monotonic()
            if attempt < self.policy.max_attempts:
                self.retries += 1
                delay = self.policy.delay(attempt)
                self.log.info("%s %s failed (%s); retry %d in %.1f s", method, path, last_problem, attempt, delay)
                await asyncio.sleep(delay)
        error = self._gave_up(method, path, self.policy.max_attempts, last_problem)
        # Only a request sent after this one first failed proves the service was working while
        # it failed; one sent earlier (answered before an outage began) proves nothing.
        error.first_failure_at = first_failure_at
        raise error

    def _gave_up(self, method: str, path: str, attempts: int, last_problem: str) -> ApiError:
        plural = "" if attempts == 1 else "s"
        return self.give_up_error(
            f"{self.service} did not answer {method} {path} after {attempts} attempt{plural} "
            f"(last: {last_problem}){self.hint(last_problem)}")

    def give_up_error(self, message: str) -> ApiError:
        return ApiError(message)

    @property
    def unreachable(self) -> bool:
        """The service has not answered at all for ``unreachable_after`` seconds: give up."""
        return self._unreachable is not None

    def _check_can_send(self) -> None:
        if self._unreachable is not None:
            raise self._unreachable
        if self.request_budget is not None and self.request_budget.left <= 0:
            raise RequestBudgetSpent()

    def _no_answer(self, method: str, path: str, attempt: int, problem: str) -> None:
        """No connection at all: once that has lasted ``unreachable_after`` seconds (the
        next backoff included), this and every later request of the client give up."""
        now = time.monotonic()
        if self._unanswered_since is None:
            self._unanswered_since = now
        waited = now - self._unanswered_since + self.policy.delay(attempt)
        if attempt < self.policy.max_attempts and waited < self.unreachable_after:
            return
        self._unreachable = self._gave_up(method, path, attempt, problem)
        raise self._unreachable


def decode_json(body: bytes) -> Any:
    """The answer's JSON value. A detail batch of 250 papers with their SPECTER vectors is
    4 MB of floats: msgspec decodes it in a quarter of the time the standard library takes,
    and decoding holds the GIL, so it delays every send due meanwhile. What msgspec refuses
    and Python's json accepts (NaN, integers beyond 64 bits, lone surrogates) is decoded by
    the standard library, so both read the same answers; ValueError when neither can."""
    try:
        return msgspec.json.decode(body)
    except msgspec.DecodeError:
        return json.loads(body)


def describe_transport_error(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or unreachable"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection dropped"
    return f"connection error ({exc.__class__.__name__})"
