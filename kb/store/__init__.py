"""The store: where everything kb knows lives, and the only code that writes it.

``sqlite`` opens and upgrades the SQLite store and does the set-based upserts; ``migrate`` and
``migrations/`` are the numbered schema; ``records`` are the plain records the sources hand to
the store; ``locking`` keeps one writer per store; ``models`` are the typed small tables;
``status`` says what a store holds.
"""

from kb.store.sqlite import Store, connect, utc_now

__all__ = ["Store", "connect", "utc_now"]
