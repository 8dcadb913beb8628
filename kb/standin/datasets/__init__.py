"""The stand-in's Semantic Scholar Datasets API: releases, pre-signed file links, diffs."""
