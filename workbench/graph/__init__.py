"""The property graph of API relations: built from `edges`, walked hop by hop.

`build` resolves edge targets to definitions (across libraries) into `graph_edges` and
`graph_nodes`; `backend` runs one hop, through DuckPGQ's SQL/PGQ when the extension loads
and plain SQL otherwise; `walk` answers neighbours, sub-graphs and shortest paths.
"""
