"""Ingest reports and keep a persistent, citable index (vectors, keywords, chunk store)."""
