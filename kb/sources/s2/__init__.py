"""Semantic Scholar's Academic Graph API: the client (``client``) and its answers turned into
records (``parse``)."""
