"""Retrieval: hybrid search, fusion and evaluation metrics over the store."""
