"""The store: where everything kb knows lives, and the only code that writes it.

``base`` is the store interface and the writes both backends share; ``sqlite`` (a file, the
default) and ``postgres`` (a shared server) are the two backends, ``dialect`` rewrites kb's SQL
for PostgreSQL, ``pg_batch`` runs a page of rows there as one COPY and one statement, and
``fulltext`` is each backend's full-text search; ``migrate`` and
``migrations/`` are the numbered schema (``migrations/postgresql/`` its PostgreSQL spelling);
``records`` are the plain records the sources hand to the store; ``locking`` keeps one writer
per store; ``models`` are the typed small tables, which ``typed`` reads and writes on the
store's own connection; ``status`` says what a store holds; ``copy``
copies a store between backends.
"""

from kb.store.base import Store, describe, is_postgres_url, store_exists, store_target, utc_now
from kb.store.sqlite import connect

__all__ = ["Store", "connect", "describe", "is_postgres_url", "store_exists", "store_target", "utc_now"]
