"""The Semantic Scholar Datasets API (``/datasets/v1``): releases, download links, diffs.

Its requests go through :class:`kb.sources.s2.client.S2Client` (same service, so the same
connection pool, rate limiter, retry policy and ``x-api-key``). The answers are checked for
shape here, so the rest of kb sees plain lists and dicts it can trust.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from kb.errors import ApiAuthError, NotFoundError, UsageError

DATASETS = "/datasets/v1"
KEY_MISSING = ("the Datasets API needs a Semantic Scholar API key: set S2_API_KEY "
               "(ask for one at https://www.semanticscholar.org/product/api)")


@dataclass
class Diff:
    from_release: str
    to_release: str
    update_files: list[str]
    delete_files: list[str]


def require_key(settings) -> None:
    if not settings.api_key:
        raise ApiAuthError(KEY_MISSING)


def _is_str_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


async def releases(client) -> list[str]:
    """Every release id, oldest first."""
    data = await client.request("GET", f"{DATASETS}/release/", validate=_is_str_list)
    return sorted(data)


async def resolve_release(client, wanted: str = "latest") -> str:
    known = await releases(client)
    if not known:
        raise NotFoundError("the Datasets API lists no releases")
    if wanted == "latest":
        return known[-1]
    if wanted not in known:
        raise UsageError(f"no release {wanted}; the latest is {known[-1]} (kb datasets releases lists them)")
    return wanted


async def dataset_links(client, release: str, name: str) -> list[str]:
    """Pre-signed links to every file of one dataset in one release (they expire)."""
    try:
        data = await client.request(
            "GET", f"{DATASETS}/release/{quote(release)}/dataset/{quote(name)}",
            validate=lambda d: isinstance(d, dict) and _is_str_list(d.get("files", [])))
    except NotFoundError:
        raise NotFoundError(f"release {release} has no dataset {name!r}") from None
    return list(data.get("files") or [])


async def diffs(client, start: str, end: str, name: str) -> list[Diff]:
    """The diffs that bring ``name`` from release ``start`` to ``end``, in order."""
    def valid(d) -> bool:
        return isinstance(d, dict) and isinstance(d.get("diffs", []), list) and all(
            isinstance(x, dict) and _is_str_list(x.get("update_files", []))
            and _is_str_list(x.get("delete_files", [])) for x in d.get("diffs", []))

    data = await client.request("GET", f"{DATASETS}/diffs/{quote(start)}/to/{quote(end)}/{quote(name)}",
                                validate=valid)
    return [Diff(str(x.get("from_release")), str(x.get("to_release")),
                 list(x.get("update_files") or []), list(x.get("delete_files") or []))
            for x in data.get("diffs") or []]
