"""The int8 model: the ONNX export with its weights quantized to int8, per channel.

A query is one short text, so its cost is the model's matrix products: with int8 weights
(dynamic quantization, one scale per output channel) a question embeds in 5.3 ms against
9.8 ms in float32 (p50 over the 318 bundled questions, one thread), the session loads a
23 MB file instead of 90 MB, and the process holds ~95 MB less. Query vectors stay within
cosine 0.984 of the float32 ones (mean 0.994), and every search mode's recall@10 and
MRR@10 stay within 0.01 on both bundled sets (`workbench bench --compare-torch` checks it
against torch).

A new file's passages are embedded with it too (`EmbeddingSettings.passage_precision`),
one text per run (activations are scaled per run, so a text's vector does not depend on
its batch): 219 passages/s against 116 in float32 on one thread, cosine 0.993 to float32
on average (0.982 at worst) over 2,000 chunks of httpx, polars and transformers. The
default set's first ingest took 6 min 33 s against 9 min 29 s (one run), with every
search mode's recall@10 and MRR@10 within 0.01 or better.
Keeping the feed-forward output layers in float32 gave cosine 0.996 but 166 passages/s,
and no better search: not used. A file keeps the precision its passages were embedded in.

Per-tensor int8 was faster (4 ms) but drifts to cosine 0.91-0.95: not used.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger("workbench.embed")

#: how the query graph is made, recorded in its manifest (another method: rebuilt)
METHOD = "onnxruntime dynamic int8, per channel, QInt8 weights"


def query_manifest(graph: Path) -> Path:
    """The manifest beside a query graph."""
    return graph.with_suffix(".json")


def build_query_graph(source: Path, target: Path) -> None:
    """Quantize the float32 export `source` into `target` (and its manifest), atomically.
    Seconds, once per model: it needs the `onnx` package, never torch."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from workbench.embed.export import temp_beside, write_atomic

    log.warning("note: quantizing the model to int8 once, into %s (seconds)", target.name)
    tmp = temp_beside(target)
    root = logging.getLogger()
    level = root.level
    try:
        # the quantizer logs advice through the root logger: quiet while it runs only
        root.setLevel(logging.ERROR)
        quantize_dynamic(str(source), str(tmp), per_channel=True, weight_type=QuantType.QInt8)
        os.replace(tmp, target)
    finally:
        root.setLevel(level)
        tmp.unlink(missing_ok=True)
    manifest = {
        "method": METHOD,
        "onnx_bytes": target.stat().st_size,
        "source_bytes": source.stat().st_size,
    }
    write_atomic(query_manifest(target), json.dumps(manifest).encode())


def is_current(source: Path, target: Path) -> bool:
    """Whether `target` is a finished quantization of this `source` by this method."""
    try:
        manifest = json.loads(query_manifest(target).read_text())
        return (
            manifest.get("method") == METHOD
            and manifest.get("source_bytes") == source.stat().st_size
            and manifest.get("onnx_bytes") == target.stat().st_size
        )
    except (OSError, ValueError, AttributeError):
        return False
