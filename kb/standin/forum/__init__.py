"""A local stand-in for the LessWrong / Alignment Forum API (ForumMagnum): GraphQL ``post`` and
``posts`` and the ``/api/search`` endpoint, over the real Alignment Forum post list with
generated bodies whose links point into the Semantic Scholar stand-in. See README.md here."""
