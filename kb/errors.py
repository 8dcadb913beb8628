"""Errors a user can cause or fix.

Every exception here carries a message that is shown to the user as one line by the CLI, and
an exit code, so that scripts and cron can tell failures apart. Anything else that escapes is
a bug in kb, not a user error.
"""

from __future__ import annotations


class KbError(Exception):
    """A failure the user can act on; ``str(error)`` is the one line shown to them."""

    exit_code = 1


class UsageError(KbError):
    """Bad arguments, ids, queries or input files."""

    exit_code = 2


class NotFoundError(KbError):
    """The thing asked for is not in the store or not known to Semantic Scholar."""

    exit_code = 4


class StoreError(KbError):
    """The store cannot be opened or written: corrupt, read-only, or made by a newer kb."""

    exit_code = 5


class StoreLockedError(StoreError):
    """Another kb process holds the writer lock on this store."""

    exit_code = 6


class ApiError(KbError):
    """Semantic Scholar could not give an answer, after the retry policy gave up."""

    exit_code = 7


class ApiAuthError(ApiError):
    """The API key was refused (HTTP 403)."""

    exit_code = 8


class ApiRequestError(ApiError):
    """The API rejected the request itself (HTTP 400): a bug or an unsupported id/field."""

    exit_code = 2


class ConfigError(UsageError):
    """A TOML file kb reads (themes, aliases, jobs) is malformed."""


class ForumApiError(ApiError):
    """The forum (LessWrong / Alignment Forum) API gave no usable answer after the retry policy
    gave up, or answered in a shape kb cannot read."""

    exit_code = 9


class ForumRequestError(ApiError):
    """The forum API refused the request itself (HTTP 400, a GraphQL validation error)."""

    exit_code = 2
