"""Text -> vectors (sentence-transformers, offline model from a PyPI package)."""
