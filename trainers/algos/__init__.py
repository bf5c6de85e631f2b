"""Training algorithms, by name. A family names the one it trains with (``Family.algorithm``).

``base.py`` is the interface the loop knows (``Algorithm``) and the plumbing they share; ``runner.py`` runs a
step eagerly, compiled or as a CUDA graph; ``adversarial.py`` is one G against one D. Later algorithms (two
generators, growing schedules, mapping networks) implement the same interface and add themselves here, or a
family passes its class directly.
"""

from ..registry import ALGORITHMS
from .adversarial import AdversarialGAN
from .base import Algorithm, AlgorithmBase, GDAlgorithm, build_algorithm

__all__ = ["ALGORITHMS", "Algorithm", "AlgorithmBase", "AdversarialGAN", "GDAlgorithm", "build_algorithm"]
