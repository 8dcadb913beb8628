"""Where works come from: one package per remote service, sharing one retry policy and one
rate limiter design (``retry``, ``rate_limit``). ``s2`` is the Semantic Scholar Graph API.
"""
