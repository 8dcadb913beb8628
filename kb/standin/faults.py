"""Failure injection for the stand-in: what goes wrong, how often, and on which requests.

The real API fails in specific ways (429 storms, gateway 502/504s, slow answers, dropped
connections, truncated bodies, duplicate or null entries in citation pages), and a crawler
that has only met a perfect server breaks on the first of them. Two kinds of knobs:

* ``Faults``: per-request probabilities (and latency) drawn from a seeded RNG, so a soak test
  or benchmark sees realistic noise that is still reproducible for a sequential client;
* ``FaultRule``: scripted faults for exactly the next N matching requests ("fail the next 3
  requests with 504", "a 429 storm of 20 on /citations"), so client tests are deterministic.

Scripted rules take precedence; one request gets at most one status-level fault.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field, replace

#: Faults that replace the answer with an error status.
STATUS_FAULTS = ("429", "500", "502", "503", "504")
#: Faults that spoil the transport instead: close without answering, or a truncated body.
TRANSPORT_FAULTS = ("drop", "malformed")
#: Faults that degrade a citations/references page without failing it.
EDGE_FAULTS = ("duplicate", "nullids")
FAULT_KINDS = STATUS_FAULTS + TRANSPORT_FAULTS + ("slow",) + EDGE_FAULTS


@dataclass(frozen=True)
class Faults:
    """Per-request fault probabilities, latency, and the RNG seed that makes them repeatable.

    ``path``, if set, is a regular expression searched in the request path; requests that do
    not match get no probabilistic faults or latency. ``duplicate_edges`` and
    ``null_paper_ids`` are per *item* of a citations/references page.
    """

    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_502: float = 0.0
    rate_503: float = 0.0
    rate_504: float = 0.0
    rate_drop: float = 0.0
    rate_malformed: float = 0.0
    rate_slow: float = 0.0
    slow_seconds: float = 5.0
    latency: float = 0.0
    latency_jitter: float = 0.0
    duplicate_edges: float = 0.0
    null_paper_ids: float = 0.0
    path: str | None = None
    seed: int = 0

    def status_rates(self) -> list[tuple[str, float]]:
        return [("429", self.rate_429), ("500", self.rate_500), ("502", self.rate_502),
                ("503", self.rate_503), ("504", self.rate_504), ("drop", self.rate_drop),
                ("malformed", self.rate_malformed), ("slow", self.rate_slow)]


@dataclass
class FaultRule:
    """A scripted fault for the next ``times`` requests whose path matches ``path`` (regex).

    ``seconds`` is the delay of a ``slow`` fault; ``fraction`` is the share of items a
    ``duplicate``/``nullids`` fault spoils on each affected page (1.0 = every item).
    ``after`` lets that many matching requests through first (an outage that starts
    mid-crawl); ``choices`` rotates through several faults (e.g. 502, 503, 504) instead of
    repeating ``fault``.
    """

    fault: str
    times: int = 1
    path: str | None = None
    seconds: float = 5.0
    fraction: float = 0.25
    after: int = 0
    choices: tuple[str, ...] = ()
    applied: int = 0

    def __post_init__(self) -> None:
        self.fault = str(self.fault)
        self.choices = tuple(str(c) for c in self.choices)
        for kind in (self.fault, *self.choices):
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault {kind!r}; expected one of {', '.join(FAULT_KINDS)}")

    def next_kind(self) -> str:
        kind = self.choices[self.applied % len(self.choices)] if self.choices else self.fault
        self.applied += 1
        return kind


@dataclass
class Decision:
    """What the injector decided for one request."""

    fault: str | None = None
    delay: float = 0.0
    duplicate: float = 0.0
    nullids: float = 0.0
    item_seed: int = 0
    scripted: bool = False
    labels: list[str] = field(default_factory=list)


class FaultInjector:
    """Thread-safe holder of the current ``Faults``, the scripted rules, and the RNG."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self.configure(faults)

    def configure(self, faults: Faults | None) -> None:
        with self._lock:
            self.faults = faults or Faults()
            self._rng = random.Random(self.faults.seed)
            self._path = re.compile(self.faults.path) if self.faults.path else None

    def add_rule(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear_rules(self) -> None:
        with self._lock:
            self._rules.clear()

    @property
    def pending_rules(self) -> list[FaultRule]:
        with self._lock:
            return [replace(r) for r in self._rules if r.times > 0]

    def decide(self, path: str, *, edges: bool) -> Decision:
        d = Decision()
        with self._lock:
            rng = self._rng
            f = self.faults
            d.item_seed = rng.getrandbits(32)
            u = rng.random()
            jitter = rng.random()
            for rule in self._rules:
                if rule.times <= 0:
                    continue
                if rule.path and not re.search(rule.path, path):
                    continue
                if rule.fault in EDGE_FAULTS and not edges:
                    continue
                if rule.after > 0:
                    rule.after -= 1
                    break
                rule.times -= 1
                kind = rule.next_kind()
                d.scripted = True
                d.labels.append(kind)
                if kind == "slow":
                    d.delay += rule.seconds
                elif kind == "duplicate":
                    d.duplicate = rule.fraction
                elif kind == "nullids":
                    d.nullids = rule.fraction
                else:
                    d.fault = kind
                break
            self._rules = [r for r in self._rules if r.times > 0]
            if self._path is not None and not self._path.search(path):
                return d
            d.delay += f.latency + jitter * f.latency_jitter
            if not d.scripted:
                acc = 0.0
                for kind, p in f.status_rates():
                    acc += p
                    if u < acc:
                        d.labels.append(kind)
                        if kind == "slow":
                            d.delay += f.slow_seconds
                        else:
                            d.fault = kind
                        break
                if edges:
                    d.duplicate = f.duplicate_edges
                    d.nullids = f.null_paper_ids
        return d


def faults_from_shares(*, rate: float, statuses: tuple[int | str, ...] = STATUS_FAULTS,
                       timeout_share: float = 0.0, drop_share: float = 0.0,
                       malformed_share: float = 0.0, timeout_seconds: float = 5.0,
                       **fields) -> Faults:
    """``Faults`` from a total fault ``rate`` split into shares (what soak tests think in).

    ``timeout_share`` of the faults are answers delayed by ``timeout_seconds`` (set it past
    the client's timeout), ``drop_share`` dropped connections, ``malformed_share`` truncated
    bodies; the rest are spread evenly over ``statuses``.
    """
    rest = 1.0 - timeout_share - drop_share - malformed_share
    if rest < -1e-9 or not 0.0 <= rate <= 1.0:
        raise ValueError("fault shares must add up to at most 1 and rate must be a probability")
    kinds = [str(s) for s in statuses]
    for k in kinds:
        if k not in STATUS_FAULTS:
            raise ValueError(f"unsupported fault status {k}")
    values = {f"rate_{k}": rate * max(rest, 0.0) / len(kinds) for k in kinds} if kinds else {}
    values.update(rate_slow=rate * timeout_share, rate_drop=rate * drop_share,
                  rate_malformed=rate * malformed_share, slow_seconds=timeout_seconds)
    values.update(fields)
    return Faults(**values)


def parse_fault_rates(specs: list[str] | tuple[str, ...], *, seed: int = 0, latency: float = 0.0,
                      latency_jitter: float = 0.0) -> Faults:
    """``["504=0.1", "drop=0.01"]`` (or a bare ``"0.1"`` spread over 429/500/502/503/504).

    Used by ``kb standin serve --fault-rate``; raises ``UsageError`` on anything else.
    """
    from kb.errors import UsageError

    values: dict[str, float] = {}
    names = {"429": "rate_429", "500": "rate_500", "502": "rate_502", "503": "rate_503",
             "504": "rate_504", "drop": "rate_drop", "malformed": "rate_malformed",
             "slow": "rate_slow", "duplicate": "duplicate_edges", "nullids": "null_paper_ids"}
    for spec in specs:
        kind, eq, value = str(spec).partition("=")
        try:
            p = float(value if eq else kind)
        except ValueError:
            raise UsageError(f"bad --fault-rate {spec!r}: expected KIND=P or P (a probability)") from None
        if not 0.0 <= p <= 1.0:
            raise UsageError(f"bad --fault-rate {spec!r}: probability must be between 0 and 1")
        if not eq:
            for k in STATUS_FAULTS:
                values[names[k]] = values.get(names[k], 0.0) + p / len(STATUS_FAULTS)
            continue
        kind = kind.strip().lower()
        if kind not in names:
            raise UsageError(f"bad --fault-rate {spec!r}: kind must be one of {', '.join(names)}")
        values[names[kind]] = p
    if sum(v for k, v in values.items() if k.startswith("rate_")) > 1.0:
        raise UsageError("--fault-rate probabilities add up to more than 1")
    return Faults(**values, seed=seed, latency=latency, latency_jitter=latency_jitter)
