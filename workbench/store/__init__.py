"""The DuckDB file: the only package that opens it (schema, migrations, extensions, SQL)."""

from workbench.store.database import Database

__all__ = ["Database"]
