"""How the three retrieval rankings become one: weighted reciprocal rank fusion, with weights fitted on the train split.

Each ranking (dense passages, BM25, the candidates by their best sentence) gives a passage `weight / (k + rank + 1)`
and a passage's score is the sum. Reciprocal ranks need no calibration between the rankings' scores; the weights say
how far each ranking is trusted. They are fitted, with k, by `python -m qa.evaluation.train_fusion` (the most train
questions whose gold passage is among the first 5 and 8) and stored as plain JSON next to this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FUSION_PATH = Path(__file__).with_name("fusion.json")
RANKINGS = ("dense", "bm25", "best_sentence")


@dataclass(frozen=True)
class Fusion:
    weights: dict[str, float]  # by ranking name (RANKINGS)
    k: int  # the rank offset: a larger k flattens the head of each ranking

    def fuse(self, rankings: dict[str, list[str]]) -> list[tuple[str, float]]:
        """Passage ids with their fused scores, best first, each score a share of the best possible one (first in
        every ranking given)."""
        fused: dict[str, float] = {}
        for name, ranking in rankings.items():
            weight = self.weights[name]
            for rank, pid in enumerate(ranking):
                fused[pid] = fused.get(pid, 0.0) + weight / (self.k + rank + 1)
        best_possible = sum(self.weights[name] for name in rankings) / (self.k + 1)
        return sorted(((pid, score / best_possible) for pid, score in fused.items()), key=lambda item: -item[1])

    def to_json(self, about: dict) -> dict:
        return {"about": about, "weights": self.weights, "k": self.k}


@lru_cache(maxsize=2)
def load_fusion(path: Path = FUSION_PATH) -> Fusion:
    data = json.loads(path.read_text(encoding="utf-8"))
    weights = {name: float(data["weights"][name]) for name in RANKINGS}
    return Fusion(weights, int(data["k"]))
