"""Where kb finds its store, its shipped data and the API, from the environment.

Read once per process, so that the CLI, the library and the tests agree on one source of
truth instead of each reading ``os.environ`` on its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DB = DATA_DIR / "kb.sqlite"
DEFAULT_API_URL = "https://api.semanticscholar.org"
DEFAULT_FORUM_API_URL = "https://www.lesswrong.com"


@dataclass(frozen=True)
class Settings:
    db_path: Path | str = DEFAULT_DB  # a SQLite file, or a postgresql:// URL
    api_url: str = DEFAULT_API_URL
    api_key: str | None = field(default=None, repr=False)
    requests_per_second: float = 1.0
    timeout_seconds: float = 30.0
    max_attempts: int = 8
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    forum_api_url: str | None = None   # None: forum off (from_env defaults to the live forum)
    forum_requests_per_second: float = 1.0
    # Where `kb datasets` keeps bulk files and their Parquet tables (default: beside the store).
    datasets_dir: Path | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        try:
            return cls._from_env(env)
        except ValueError as exc:
            from kb.errors import ConfigError

            raise ConfigError(f"a KB_* environment variable is not a number: {exc}") from None

    @classmethod
    def _from_env(cls, env) -> "Settings":
        rate = float(env.get("KB_RATE") or 1.0)
        if rate <= 0:
            raise ValueError(f"KB_RATE must be positive, not {rate}")
        return cls(
            db_path=_store_target(env.get("KB_DB") or DEFAULT_DB),
            api_url=(env.get("KB_S2_API_URL") or DEFAULT_API_URL).rstrip("/"),
            api_key=env.get("S2_API_KEY") or None,
            requests_per_second=rate,
            timeout_seconds=float(env.get("KB_TIMEOUT") or 30.0),
            max_attempts=int(env.get("KB_MAX_ATTEMPTS") or 8),
            backoff_base=float(env.get("KB_BACKOFF_BASE") or 1.0),
            backoff_cap=float(env.get("KB_BACKOFF_CAP") or 60.0),
            forum_api_url=_forum_url(env.get("KB_FORUM_API_URL")),
            forum_requests_per_second=_positive(env, "KB_FORUM_RATE", 1.0),
            datasets_dir=Path(env["KB_DATASETS_DIR"]) if env.get("KB_DATASETS_DIR") else None,
        )


def _forum_url(value: str | None) -> str | None:
    """``KB_FORUM_API_URL``: the forum's base URL, or ``none`` to leave forum posts unresolved."""
    if value is not None and value.strip().lower() in ("none", "off"):
        return None
    return (value or DEFAULT_FORUM_API_URL).rstrip("/")


def _positive(env, name: str, default: float) -> float:
    value = float(env.get(name) or default)
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {value}")
    return value
def _store_target(text) -> Path | str:
    from kb.store.base import store_target

    return store_target(text)
