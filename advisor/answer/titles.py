"""Which article a sentence is about by meaning: the nearest article title, when near enough and
clearly nearer than the next one (a turn that names its subject in words no title or alias
uses: "my cousin is looking at respiratory therapy school")."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from advisor.answer.tuning import TITLE_MARGIN, TITLE_MEANING

RANK_TOLERANCE = 1e-6  # singular values below this share of the largest span no direction


@dataclass(frozen=True)
class TitleMeanings:
    doc_ids: tuple[str, ...]
    matrix: np.ndarray  # one unit vector per title, in doc_ids' order

    @classmethod
    def build(
        cls, titles: Mapping[str, str], embed: Callable[[list[str]], Sequence[Sequence[float]]]
    ) -> TitleMeanings:
        doc_ids = tuple(sorted(titles))
        vectors = np.asarray(embed([titles[d] for d in doc_ids]), dtype=np.float32)
        vectors = vectors.reshape(len(doc_ids), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return cls(doc_ids, vectors / np.where(norms > 0, norms, 1.0))

    def beyond(self, vector: Sequence[float], k: int) -> list[float]:
        """The unit vector of what `vector` says beyond its `k` nearest titles: the part
        orthogonal to their span (how a question asks, apart from whom it is about).

        >>> t = TitleMeanings(("a", "b"), np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
        >>> [round(x, 3) for x in t.beyond([0.6, 0.0, 0.8], 1)]
        [0.0, 0.0, 1.0]
        """
        v = np.asarray(vector, dtype=np.float64)
        if len(self.doc_ids) == 0 or k <= 0 or v.shape != self.matrix.shape[1:]:
            return (v / (np.linalg.norm(v) or 1.0)).tolist()
        near = self.matrix[np.argsort(-(self.matrix @ v.astype(np.float32)), kind="stable")[:k]]
        # an orthonormal basis of the titles' span; twin titles add no direction
        u, sizes, _ = np.linalg.svd(near.T.astype(np.float64), full_matrices=False)
        basis = u[:, sizes > RANK_TOLERANCE * (sizes.max() if len(sizes) else 0.0)]
        rest = v - basis @ (basis.T @ v)
        return (rest / (np.linalg.norm(rest) or 1.0)).tolist()

    def nearest(self, vector: Sequence[float]) -> str | None:
        """The article whose title the vector is nearest, if at least TITLE_MEANING near and
        TITLE_MARGIN nearer than the runner-up; else None.

        >>> t = TitleMeanings(("a", "b"), np.array([[1.0, 0.0], [0.0, 1.0]]))
        >>> t.nearest([0.9, 0.1]), t.nearest([0.6, 0.55])
        ('a', None)
        """
        if len(self.doc_ids) == 0:
            return None
        v = np.asarray(vector, dtype=np.float32)
        cosines = self.matrix @ (v / (np.linalg.norm(v) or 1.0))
        order = np.argsort(-cosines, kind="stable")
        best = float(cosines[order[0]])
        runner_up = float(cosines[order[1]]) if len(order) > 1 else -1.0
        if best >= TITLE_MEANING and best - runner_up >= TITLE_MARGIN:
            return self.doc_ids[int(order[0])]
        return None
