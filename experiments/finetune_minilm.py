"""Experiment (issue 14): fine-tune all-MiniLM-L6-v2 on pairs the index itself provides.

Not part of the workbench: a record of the recipe and its result, for whoever builds it
into a command. Pairs are (docstring summary -> the entity's embedded text without that
summary): public entities (function, method, class, property, attribute, module) with a
summary of 25-300 characters, one entity per distinct summary (transformers' per-model
copies would be false negatives in a batch), at most 2,500 per library, shuffled.
Symmetric in-batch-negatives loss (MultipleNegativesRankingLoss, scale 20), batch 64,
AdamW lr 2e-5, 10% warm-up then linear decay, one epoch, torch on 2 CPU threads. The run
below read the rows unordered (DuckDB's parallel scan), so its sample cannot be drawn
again; this script orders them, so its own samples can.

    python experiments/finetune_minilm.py data/workbench.duckdb /tmp/ft/model 6400
    WORKBENCH_MODEL=/tmp/ft/model WORKBENCH_MODEL_NAME=minilm-ft-summaries \\
        workbench ingest --db /tmp/ft/ft.duckdb        # then `workbench eval` with the same env

2026-12-03, AMD EPYC (AVX-512), 2 cores: 6,400 pairs in 10 min 16 s (10 pairs/s, 5 GB
RSS); the ingest with the tuned model (int8 passages) 7 min 8 s. `workbench eval` against
the int8 file of the shipped model, same code (no eval question is used in training):
vector R@10 0.585 -> 0.638, MRR 0.337 -> 0.326; hybrid 0.717 / 0.424 -> 0.711 / 0.424;
learned ranker, 5-fold held out, R@5 0.679 -> 0.730, R@10 0.796 -> 0.811, MRR 0.521 ->
0.544, nDCG 0.566 -> 0.592; `ask` answer@1 / @5 / path match 0.627 / 0.920 / 0.853 ->
0.680 / 0.933 / 0.893. With 12,800 pairs (this script, rows ordered; 20 min; ingest
7 min 38 s): vector R@10 0.638, MRR 0.307; hybrid 0.717 / 0.425; held-out ranker R@1
0.431, R@5 0.717, R@10 0.821, MRR 0.559, nDCG 0.603; but `ask` 0.653 / 0.893 / 0.840,
below issue 14's 0.90: more pairs help the ranker and hurt the vectors' top ranks.
"""

from __future__ import annotations

import random
import re
import sys
import time

QUERY = """
    SELECT public_path, kind, summary, coalesce(signature, ''), coalesce(docstring, ''), library
    FROM entities
    WHERE is_public AND length(summary) BETWEEN 25 AND 300
      AND kind IN ('function', 'method', 'class', 'property', 'attribute', 'module')
    ORDER BY library, public_path, path
"""
PER_LIBRARY = 2500
BATCH = 64


def short_signature(signature: str) -> str:
    """Parameter names only, as the ingest embeds them."""
    if not signature.startswith("("):
        return ""
    inner = signature[1 : signature.rfind(")")]
    names = [p.split(":")[0].split("=")[0].strip() for p in re.split(r",(?![^\[]*\])", inner)]
    return "(" + ", ".join(n for n in names if n) + ")"


def pairs_from(db_path: str, count: int) -> list[tuple[str, str]]:
    """(summary, entity text without the summary) pairs; see the module docstring."""
    import duckdb

    rows = duckdb.connect(db_path, read_only=True).sql(QUERY).fetchall()
    by_summary: dict[str, tuple] = {}
    for row in rows:
        by_summary.setdefault(row[2].strip().lower(), row)
    unique = list(by_summary.values())
    random.Random(0).shuffle(unique)
    per_library: dict[str, int] = {}
    capped = []
    for row in unique:
        per_library[row[5]] = per_library.get(row[5], 0) + 1
        if per_library[row[5]] <= PER_LIBRARY:
            capped.append(row)
    random.Random(1).shuffle(capped)
    pairs = []
    for public, kind, summary, signature, docstring, _ in capped[:count]:
        rest = docstring.strip()
        if rest.lower().startswith(summary.strip().lower()[:40]):
            rest = rest[len(summary.strip()) :].strip()
        pairs.append((summary, f"{public}{short_signature(signature)}\n{rest or kind}"[:700]))
    return pairs


def train(pairs: list[tuple[str, str]], out: str) -> None:
    """One epoch of symmetric in-batch-negatives training, saved to `out`."""
    import torch
    from sentence_transformers import SentenceTransformer

    from workbench.embed.embedder import default_model_path

    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = SentenceTransformer(default_model_path(), device="cpu")
    model.max_seq_length = 128
    model.train()
    steps = len(pairs) // BATCH
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, 1 - s / steps)
    )
    loss_of = torch.nn.CrossEntropyLoss()
    started = time.perf_counter()
    for step in range(steps):
        batch = pairs[step * BATCH : (step + 1) * BATCH]
        anchors = model(model.tokenize([a for a, _ in batch]))["sentence_embedding"]
        positives = model(model.tokenize([p for _, p in batch]))["sentence_embedding"]
        unit = torch.nn.functional.normalize
        scores = unit(anchors, dim=-1) @ unit(positives, dim=-1).T
        labels = torch.arange(len(batch))
        loss = (loss_of(scores * 20.0, labels) + loss_of(scores.T * 20.0, labels)) / 2
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 20 == 0:
            seconds = time.perf_counter() - started
            print(f"step {step}/{steps} loss {loss.item():.3f} {seconds:.0f} s", flush=True)
    model.eval()
    model.save(out)


if __name__ == "__main__":
    source, target, wanted = sys.argv[1], sys.argv[2], int(sys.argv[3])
    made = pairs_from(source, wanted)
    print(f"{len(made)} pairs", flush=True)
    train(made, target)
