"""Semantic Scholar's bulk datasets: the Datasets API, resumable downloads, the local folder."""
