"""Export a sentence-transformers model to ONNX with torch, once, in its own process.

Run as `python -m workbench.embed.export MODEL_DIR OUT.onnx MANIFEST.json MAX_SEQ_LENGTH`:
`workbench.embed.onnx` starts it when no export is cached, so the process that asks for
vectors never imports torch. The ONNX graph is the transformer only (token vectors);
mean pooling and L2 normalisation run in numpy, as sentence-transformers does them.
Both files are written to temporary names and moved into place, the manifest last, so a
reader sees a whole export or none.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

#: Texts embedded with sentence-transformers at export time; the loader embeds them again
#: with ONNX and refuses an export whose vectors differ (a corrupt or foreign file).
PROBE_TEXTS = (
    "read a csv file into a dataframe",
    "httpx.Client.get(url, *, params=None, headers=None) -> Response",
    "  Ünïcode, emoji 🚀 and CamelCaseIdentifiers: ReadTimeout  ",
)
OPSET = 17


def check_pipeline(model: Any) -> None:
    """Refuse a model that is not transformer -> mean pooling -> normalisation, the one
    pipeline the ONNX embedder reproduces."""
    names = [type(module).__name__ for module in model]
    if names != ["Transformer", "Pooling", "Normalize"]:
        raise ValueError(f"only Transformer + mean Pooling + Normalize models export, not {names}")
    mode = getattr(model[1], "pooling_mode", "mean")
    if mode not in ("mean", ("mean",), ["mean"]):
        raise ValueError(f"only mean pooling exports, not {mode}")


def export(model_dir: str, out: Path, manifest_path: Path, max_seq_length: int) -> None:
    """Write the ONNX graph of `model_dir`'s transformer to `out` and its manifest (probe
    vectors, sizes) to `manifest_path`."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    model = SentenceTransformer(model_dir, device="cpu")
    model.max_seq_length = max_seq_length
    check_pipeline(model)
    transformer = model[0].auto_model.eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = model.tokenize(["an example sentence", "a second, longer example sentence"])
    args = tuple(sample[key] for key in ("input_ids", "attention_mask", "token_type_ids"))
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
    axes["token_type_ids"] = {0: "batch", 1: "tokens"}
    axes["hidden"] = {0: "batch", 1: "tokens"}
    out.parent.mkdir(parents=True, exist_ok=True)
    graph_tmp = temp_beside(out)
    try:
        with torch.no_grad():
            torch.onnx.export(
                Hidden(transformer),
                args,
                str(graph_tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["hidden"],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,
            )
        probes = model.encode(list(PROBE_TEXTS), normalize_embeddings=True, convert_to_numpy=True)
        manifest = {
            "format": 1,
            "onnx_bytes": graph_tmp.stat().st_size,
            "dimension": int(probes.shape[1]),
            "max_seq_length": max_seq_length,
            "probes": {"texts": list(PROBE_TEXTS), "vectors": probes.astype(float).tolist()},
        }
        os.replace(graph_tmp, out)
    finally:
        graph_tmp.unlink(missing_ok=True)
    write_atomic(manifest_path, json.dumps(manifest).encode())


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then move it into place."""
    tmp = temp_beside(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def temp_beside(path: Path) -> Path:
    """A new empty temporary file beside `path`, to be moved onto it when whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    os.chmod(name, 0o644)  # a cache others on the machine may read, like any download
    return Path(name)


def main(argv: list[str]) -> int:
    """Command-line entry point; errors are one line on stderr and exit code 2."""
    if len(argv) != 4:
        print("usage: python -m workbench.embed.export MODEL_DIR OUT MANIFEST MAX_SEQ", file=sys.stderr)
        return 2
    try:
        export(argv[0], Path(argv[1]), Path(argv[2]), int(argv[3]))
    except ImportError as error:
        print(f"no torch to export with: {error}", file=sys.stderr)
        return 3
    except Exception as error:  # one line for the parent to show
        print(f"{type(error).__name__}: {error}".splitlines()[0], file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
