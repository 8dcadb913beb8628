"""Following citation trails into the store: the frontier, the crawler, refreshes of what is
already known, periodic jobs, run history and the digest of what a run added."""
