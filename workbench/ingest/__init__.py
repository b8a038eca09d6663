"""griffe -> entities, aliases and chunks: pure data, no database writes.

Submodules are imported on demand so that `workbench.ingest.identifiers` (used at query
time) does not pull in griffe.
"""
