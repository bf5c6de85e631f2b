"""The inversion thread: finds the latent a checkpoint's generator draws an image from (``trainers.invert``)
off the GUI thread, for the explorer's "Invert an image" and "Invert a real sample"."""

from __future__ import annotations

from .oneshot import OneShotThread


class InvertThread(OneShotThread):
    """Loads the generator, the target (an image file, or a real sample of the model's dataset), inverts.

    ``sig_progress`` ("invert", steps done, total) while it optimises; ``sig_result`` a dict: z, label, cat, cont,
    mse, start_mse, target and recon (uint8 H×W×C), source (words); ``sig_failed`` one line saying why it could
    not invert (a junk file, a model without image output, ...); ``cancel()`` stops it with no result."""

    WHAT = "invert"

    def __init__(self, checkpoint: str, image: str | None = None, sample_seed: int = 0, steps: int = 300,
                 parent=None):
        super().__init__(parent)
        self.checkpoint, self.image, self.sample_seed, self.steps = checkpoint, image, sample_seed, steps

    def compute(self) -> dict:
        from pathlib import Path

        from trainers.errors import GanStudioError
        from trainers.generator import load_generator
        from trainers.images import to_uint8_grid
        from trainers.invert import invert, load_target

        gen = load_generator(self.checkpoint)
        shape = tuple(gen.meta["data"]["shape"])
        if len(shape) != 3:
            raise GanStudioError("inversion needs an image generator; this one draws 2D points")
        if self.image is not None:
            target, source = load_target(self.image, shape), Path(self.image).name
        else:
            target, source = self._real_sample(gen, shape)
        inv = invert(gen, target, steps=self.steps, progress=lambda d, n: self.progress("invert", d, n),
                     cancelled=self.cancelled)
        return {"z": inv.z, "label": inv.label, "cat": inv.cat, "cont": inv.cont, "mse": inv.mse,
                "start_mse": inv.start_mse, "source": source,
                "target": to_uint8_grid(target[None], 1, padding=0),
                "recon": to_uint8_grid(inv.recon[None], 1, padding=0)}

    def _real_sample(self, gen, shape):
        """A real image of the model's dataset, picked by ``sample_seed``."""
        import torch

        from trainers.data import load_dataset

        cfg = gen.meta.get("config", {})
        data = load_dataset(cfg.get("data") or gen.meta["data"]["name"], root=cfg.get("data_root"),
                            image_size=shape[1], channels=shape[0], limit=cfg.get("data_limit"))
        k = int(torch.randint(0, len(data), (1,), generator=torch.Generator().manual_seed(self.sample_seed)))
        label = f" ({data.class_names[int(data.labels[k])]})" if data.labels is not None and data.class_names else ""
        return data.to_model(data.x[k]), f"real sample #{k} of {data.name}{label}"
