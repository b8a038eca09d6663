"""A load client run as its own process by the serve tests: GETs /search with distinct
queries for a bounded time and count, and prints what it saw as one JSON line."""

from __future__ import annotations

import json
import sys
import time

import httpx

WORDS = ["read", "timeout", "header", "connection", "pool", "error", "event", "parse", "send", "encode"]


def main(url: str, seconds: float, limit: int, seed: int) -> None:
    seen = {"ok": 0, "failed": 0, "errors": [], "pids": []}
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=url, timeout=30) as client:
        for i in range(limit):
            if time.monotonic() > deadline:
                break
            query = f"{WORDS[(seed + i) % len(WORDS)]} {WORDS[(seed * 3 + i * 7) % len(WORDS)]} {i}"
            try:
                response = client.get("/search", params={"q": query, "k": 3})
                if response.status_code == 200 and len(response.json()) == 3:
                    seen["ok"] += 1
                else:
                    seen["failed"] += 1
                    seen["errors"].append(f"{response.status_code} {response.text[:120]}")
            except httpx.HTTPError as error:
                seen["failed"] += 1
                seen["errors"].append(repr(error))
    print(json.dumps(seen))


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
