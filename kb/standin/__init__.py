"""A local stand-in for the Semantic Scholar Graph API, for tests and benchmarks.

kb must never depend on the real API being reachable, fast or well-behaved while it is being
tested, yet its client and crawler must be tested against something that behaves exactly like
it. ``StandIn`` is that: a real HTTP server on 127.0.0.1 over an in-memory ``Corpus``
(generated, loaded from real-works JSONL files, or built by a test), with the real API's
paths, limits and error bodies, and knobs for rate limits, faults, latency and outages.
"""

from kb.standin.corpus import (
    Corpus,
    default_works_files,
    load_works,
    standin_paper_id,
)
from kb.standin.generate import generate_corpus
from kb.standin.faults import FaultRule, Faults
from kb.standin.server import RequestRecord, StandIn, create_standin

__all__ = [
    "Corpus", "FaultRule", "Faults", "RequestRecord", "StandIn", "create_standin",
    "default_works_files", "generate_corpus", "load_works", "standin_paper_id",
]
