"""Keep the entity cards (`store.cards`) in step with the entities: embed the cards whose
text is new or changed, delete those of entities that are gone."""

from __future__ import annotations

import time

import numpy as np

from workbench.embed.embedder import Embedder
from workbench.ingest.chunking import card_hash, card_text
from workbench.libraries.progress import IngestProgress, SilentProgress
from workbench.store import cards
from workbench.store.database import Database

#: the name of a refresh's progress bar (the libraries' bars are named after them)
BAR = "entity cards"


def refresh(db: Database, embedder: Embedder, precision: str, progress: IngestProgress | None = None) -> int:
    """Bring the file's cards up to date; returns how many were embedded. Cards are short
    (a name and a sentence, ~20 tokens): 650-830 a second on 2 cores (`workbench bench`:
    746), against ~280 chunks. A bar of its own shows the progress, only when there is
    something to embed.
    """
    progress = progress or SilentProgress()
    wanted: dict[str, tuple[str, str, str]] = {}
    for path, public_path, library, summary in cards.entities_for_cards(db):
        text = card_text(public_path, library, summary)
        wanted[path] = (library, text, card_hash(text))
    stored = cards.stored_cards(db)
    gone = [path for path in stored if path not in wanted]
    todo = [(path, lib, text, h) for path, (lib, text, h) in wanted.items() if stored.get(path) != h]
    if not todo and not gone:
        return 0
    vectors = np.zeros((0, embedder.dimension), dtype=np.float32)
    if todo:
        started = time.perf_counter()
        progress.library_started(BAR)
        progress.phase(BAR, "embedding entity cards", total=len(todo))
        vectors = embedder.embed(
            [text for _, _, text, _ in todo],
            progress=lambda n: progress.advance(BAR, n),
            precision=precision,
        )
        seconds = time.perf_counter() - started
        progress.phase(BAR, f"{len(todo)} cards in {seconds:.0f}s")
        progress.message(f"embedded {len(todo)} entity cards in {seconds:.0f} s")
    cards.write_cards(db, [(path, lib, h) for path, lib, _, h in todo], vectors, gone)
    return len(todo)
