"""The whole Semantic Scholar graph from its bulk datasets: conversion to Parquet, incremental
updates, and the k-hop neighbourhood of the seeds loaded into the store, on DuckDB (embedded,
the default) or Spark, from one set of SQL statements both engines run."""
