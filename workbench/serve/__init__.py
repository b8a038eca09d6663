"""`workbench serve`: the read interface over HTTP (JSON, MCP, a search page) for a team.

A Starlette app (`app.make_app`) served by granian (`runner.serve`), one read-only
`Workbench` per worker process; nothing here imports uvicorn.
"""
