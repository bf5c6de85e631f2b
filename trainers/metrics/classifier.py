"""A small CNN classifier trained on a labelled dataset, used to ask whether a generator makes the class it
is told to (cGAN label accuracy) and whether an InfoGAN categorical code picks out the classes (purity)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..data.base import ArrayData


class SmallCNN(nn.Module):
    """(C, S, S) in [-1, 1] → class logits. Two strided convs and a linear layer: >97% on digits in seconds."""

    def __init__(self, channels: int, size: int, classes: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, 32, 3, 2, 1), nn.ReLU(True),  # 32 × S/2 × S/2
            nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(True),  # 64 × S/4 × S/4
            nn.Flatten(), nn.Linear(64 * ((size + 3) // 4) ** 2, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


@dataclass
class Classifier:
    model: SmallCNN
    accuracy: float  # on held-out real data
    class_names: tuple[str, ...]

    @torch.no_grad()
    def predict(self, x: torch.Tensor, batch: int = 500) -> torch.Tensor:
        self.model.eval()
        return torch.cat([self.model(x[i:i + batch].float()).argmax(1) for i in range(0, len(x), batch)])


def train_classifier(data: ArrayData, steps: int = 600, batch_size: int = 128, seed: int = 0) -> Classifier:
    """Fit SmallCNN on ``data`` (5% held out for the reported accuracy)."""
    if data.labels is None or not data.is_image:
        raise ValueError(f"{data.name}: a classifier needs labelled images")
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(data), generator=g)
    n_test = max(100, len(data) // 20)
    test, train = perm[:n_test], perm[n_test:]
    c, s, _ = data.sample_shape
    torch.manual_seed(seed)
    model = SmallCNN(c, s, data.num_classes)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    for _ in range(steps):
        idx = train[torch.randint(0, len(train), (batch_size,), generator=g)]
        loss = F.cross_entropy(model(data.to_model(data.x[idx])), data.labels[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    clf = Classifier(model, 0.0, tuple(data.class_names))
    pred = clf.predict(data.to_model(data.x[test]))
    clf.accuracy = float((pred == data.labels[test]).float().mean())
    return clf


def label_accuracy(gen, clf: Classifier, per_class: int = 100, seed: int = 0) -> tuple[float, list[float]]:
    """How often the classifier sees the class a conditional generator was asked for (overall, per class)."""
    k = gen.layout.num_classes
    lat = gen.latent(per_class * k, seed=seed)
    want = torch.arange(k).repeat_interleave(per_class)
    lat["label"] = want.to(gen.device)
    pred = clf.predict(gen.render(lat))
    per = [float((pred[want == c] == c).float().mean()) for c in range(k)]
    return float((pred == want).float().mean()), per


def code_purity(gen, clf: Classifier, per_value: int = 100, seed: int = 0, code: int = 0) -> dict:
    """For each value of categorical code ``code``: the class the classifier sees most and how often.

    ``purity``: the mean of those shares (1.0: each value always gives one class); ``distinct``: how many
    different classes the values pick (10 of 10: the code is a digit selector, up to a permutation)."""
    n = gen.layout.cat_dims[code]
    lat = gen.latent(per_value * n, seed=seed)
    vals = torch.arange(n).repeat_interleave(per_value)
    lat["cat"][:, code] = vals.to(gen.device)
    pred = clf.predict(gen.render(lat)).numpy()
    mapping, shares = [], []
    for v in range(n):
        counts = np.bincount(pred[vals.numpy() == v], minlength=len(clf.class_names))
        mapping.append(int(counts.argmax()))
        shares.append(float(counts.max() / max(1, counts.sum())))
    return {"purity": float(np.mean(shares)), "distinct": len(set(mapping)), "mapping": mapping, "shares": shares}
