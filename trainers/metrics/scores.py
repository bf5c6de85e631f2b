"""Sample-quality scores on feature vectors: pure numpy/scipy, no model inside.

All of them compare a set of real feature vectors with a set of generated ones (rows are samples). In GAN
Studio the features come from a classifier trained per dataset (``features.py``), so the numbers are
*domain* scores: comparable between models on the same dataset and protocol, never with Inception FID.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def mean_cov(f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean vector and (unbiased) covariance matrix of the rows of ``f``."""
    f = np.asarray(f, dtype=np.float64)
    return f.mean(0), np.cov(f, rowvar=False)


def frechet_distance(mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray) -> float:
    """Fréchet distance between N(mu1, s1) and N(mu2, s2) (Heusel et al. 2017, "FID"):

        d² = ‖mu1 − mu2‖² + tr(s1 + s2 − 2 (s1^½ s2 s1^½)^½)

    The trace of the matrix square root is taken from the eigenvalues of the symmetric PSD matrix
    s1^½ s2 s1^½ (same spectrum as s1 s2), so no complex-valued sqrtm is needed.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.atleast_2d(s1).astype(np.float64), np.atleast_2d(s2).astype(np.float64)
    w, v = np.linalg.eigh((s1 + s1.T) / 2)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = root1 @ s2 @ root1
    eig = np.linalg.eigvalsh((m + m.T) / 2)
    tr_covmean = float(np.sqrt(np.clip(eig, 0, None)).sum())
    diff = mu1 - mu2
    return float(max(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * tr_covmean, 0.0))


def fid(real: np.ndarray, fake: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets."""
    return frechet_distance(*mean_cov(real), *mean_cov(fake))


def kid(real: np.ndarray, fake: np.ndarray, subsets: int = 50, subset_size: int = 1000,
        seed: int = 0) -> tuple[float, float]:
    """Kernel Inception Distance (Bińkowski et al. 2018): the unbiased MMD² with the cubic polynomial kernel

        k(x, y) = (xᵀy / d + 1)³,   MMD² = mean k(r, r') + mean k(f, f') − 2 mean k(r, f)   (r ≠ r', f ≠ f')

    averaged over ``subsets`` random subsets of ``subset_size`` from each side. Returns (mean, std).
    Unbiased: about 0 (and sometimes slightly negative) for two samples of one distribution.
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    d = real.shape[1]
    m = min(subset_size, len(real), len(fake))
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(subsets):
        r = real[rng.choice(len(real), m, replace=False)]
        f = fake[rng.choice(len(fake), m, replace=False)]
        krr = (r @ r.T / d + 1) ** 3
        kff = (f @ f.T / d + 1) ** 3
        krf = (r @ f.T / d + 1) ** 3
        vals.append((krr.sum() - np.trace(krr)) / (m * (m - 1)) + (kff.sum() - np.trace(kff)) / (m * (m - 1))
                    - 2 * krf.mean())
    return float(np.mean(vals)), float(np.std(vals))


def _sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.maximum(d, 0)


def _knn_radii(x: np.ndarray, k: int, chunk: int = 2048) -> np.ndarray:
    """Squared distance from each row of x to its k-th nearest other row."""
    out = np.empty(len(x))
    for s in range(0, len(x), chunk):
        d = _sq_dists(x[s:s + chunk], x)
        out[s:s + chunk] = np.partition(d, k, axis=1)[:, k]  # column 0 after partition is the point itself
    return out


def _inside(points: np.ndarray, centres: np.ndarray, radii: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """For each point: does it lie in at least one ball (centre, radius²)?"""
    hit = np.zeros(len(points), bool)
    for s in range(0, len(points), chunk):
        hit[s:s + chunk] = (_sq_dists(points[s:s + chunk], centres) <= radii[None, :]).any(1)
    return hit


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 5) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) with k-NN balls:

        precision = share of fakes inside the union of real k-NN balls   (are the fakes realistic?)
        recall    = share of reals inside the union of fake k-NN balls   (is all of the data covered?)
    """
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} samples per set")
    precision = float(_inside(fake, real, _knn_radii(real, k)).mean())
    recall = float(_inside(real, fake, _knn_radii(fake, k)).mean())
    return precision, recall


def inception_score(probs: np.ndarray, eps: float = 1e-12) -> float:
    """IS-like score (Salimans et al. 2016) from class probabilities p(y|x):  exp(E_x KL(p(y|x) ‖ p(y))).

    From 1 (every sample gets the same prediction) to the number of classes (confident and balanced)."""
    p = np.asarray(probs, np.float64)
    py = p.mean(0, keepdims=True)
    kl = (p * (np.log(p + eps) - np.log(py + eps))).sum(1)
    return float(np.exp(kl.mean()))


def class_histogram(pred: np.ndarray, classes: int) -> np.ndarray:
    """Share of samples the classifier puts in each class (sums to 1)."""
    counts = np.bincount(np.asarray(pred, np.int64), minlength=classes)[:classes].astype(np.float64)
    return counts / max(counts.sum(), 1.0)


def covered_classes(hist: np.ndarray, min_share: float = 0.1) -> int:
    """How many classes get at least ``min_share`` of a fair share (1/K): mode collapse lowers it."""
    hist = np.asarray(hist, np.float64)
    return int((hist >= min_share / len(hist)).sum())


def matched_accuracy(confusion: np.ndarray) -> tuple[float, list[int]]:
    """Accuracy of the best one-to-one assignment of rows (code values) to columns (classes).

    ``confusion[i, j]``: how often code value i was classified as class j. The Hungarian algorithm
    (scipy's linear_sum_assignment) picks the matching with the most agreements; a code value left without
    a class (more values than classes) maps to -1 and counts as wrong. Returns (accuracy, class per value).
    """
    c = np.asarray(confusion, np.float64)
    rows, cols = linear_sum_assignment(c, maximize=True)
    mapping = [-1] * c.shape[0]
    for r, k in zip(rows, cols):
        mapping[int(r)] = int(k)
    return float(c[rows, cols].sum() / max(c.sum(), 1.0)), mapping


def correlation_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of every column of ``a`` with every column of ``b`` (shape (a_cols, b_cols));
    0 where a column is constant."""
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    a = a - a.mean(0)
    b = b - b.mean(0)
    na, nb = np.linalg.norm(a, axis=0), np.linalg.norm(b, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a.T @ b) / np.outer(na, nb)
    return np.nan_to_num(r)
