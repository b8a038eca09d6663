"""Optional answer synthesis: an OpenAI-compatible chat endpoint writes a short answer
from the retrieved entities and their paths. Off by default; the answer always ends with
the entity paths it rests on, whatever the model wrote."""

from __future__ import annotations

import httpx

from workbench.config import SynthesisSettings
from workbench.errors import WorkbenchError
from workbench.model import Answer

SYSTEM_PROMPT = (
    "You answer questions about Python library APIs. Use only the entities and relation "
    "paths given; name entities by their dotted paths; say so when they do not answer it."
)


def _edge_text(answer: Answer, limit: int) -> str:
    lines = []
    for rank, item in enumerate(answer.items[:limit], start=1):
        lines.append(f"{rank}. {item.public_path} ({item.kind}, {item.library}): {item.summary}")
        for path in item.paths[:2]:
            if path.edges:
                steps = [path.nodes[0]]
                for node, edge in zip(path.nodes[1:], path.edges, strict=True):
                    steps.append(
                        f"-{edge.relation}-> {node}" if edge.dst == node else f"<-{edge.relation}- {node}"
                    )
                lines.append("   path: " + " ".join(steps))
    return "\n".join(lines)


def sources(answer: Answer, limit: int) -> str:
    """The line every synthesised answer ends with."""
    return "Sources: " + ", ".join(item.public_path for item in answer.items[:limit])


def synthesize(answer: Answer, settings: SynthesisSettings) -> str:
    """A short prose answer from the chat endpoint, followed by its sources.

    Raises:
        WorkbenchError: the endpoint is unreachable, slow, or answers something unreadable.
    """
    retrieved = _edge_text(answer, settings.max_items)
    body = {
        "model": settings.model,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {
                "role": "user",
                "content": f"Question: {answer.question}\n\nRetrieved:\n{retrieved}",
            },
        ],
        "temperature": 0,
    }
    headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
    url = settings.url.rstrip("/") + "/chat/completions"
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=settings.timeout_s)
        response.raise_for_status()
        text = response.json()["choices"][0]["message"]["content"].strip()
    except httpx.HTTPError as error:
        raise WorkbenchError(f"answer synthesis failed: {type(error).__name__}: {error}") from error
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        raise WorkbenchError(f"answer synthesis failed: unreadable reply from {url}") from error
    return f"{text}\n\n{sources(answer, settings.max_items)}"
