"""Ingestion: verify webhook signatures, validate bodies into `Mention`s, store each once."""
