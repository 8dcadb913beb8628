"""The LessWrong / Alignment Forum API: client, links in post bodies, JSON -> records."""
