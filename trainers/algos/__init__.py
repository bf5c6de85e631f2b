"""Training algorithms. The loop knows only the small interface below, never a model family.

An algorithm owns its networks and optimizers and exposes:
``modules`` / ``optimizers`` (dicts, for checkpoints) · ``train_step(sampler)`` one full iteration →
dict of 0-dim tensors · ``d_step`` / ``g_step`` single updates for teaching · ``sample_latent`` /
``render`` for sample grids · ``describe()`` for the checkpoint sidecar · ``rng_state`` / ``load_rng_state``.
Later families (two generators, growing schedules, mapping networks) implement the same interface.
"""

from .adversarial import AdversarialGAN, build_algorithm

__all__ = ["AdversarialGAN", "build_algorithm"]
