"""The inversion thread: finds the latent a checkpoint's generator draws an image from (``trainers.invert``)
off the GUI thread, for the explorer's "Invert an image" and "Invert a real sample"."""

from __future__ import annotations

from PySide6.QtCore import QThread, Signal


class InvertThread(QThread):
    """Loads the generator, the target (an image file, or a real sample of the model's dataset), inverts."""

    sig_progress = Signal(int, int)
    """(steps done, total) while it optimises."""
    sig_done = Signal(object)
    """A dict: z, label, cat, cont, mse, start_mse, target and recon (uint8 H×W×C), source (words)."""
    sig_failed = Signal(str)
    """One line saying why it could not invert (a junk file, a model without image output, ...)."""

    def __init__(self, checkpoint: str, image: str | None = None, sample_seed: int = 0, steps: int = 300,
                 parent=None):
        super().__init__(parent)
        self.checkpoint, self.image, self.sample_seed, self.steps = checkpoint, image, sample_seed, steps
        self._cancel = False

    def cancel(self) -> None:
        self._cancel = True

    def run(self) -> None:
        from pathlib import Path

        from trainers.errors import GanStudioError
        from trainers.generator import load_generator
        from trainers.images import to_uint8_grid
        from trainers.invert import invert, load_target

        try:
            gen = load_generator(self.checkpoint)
            shape = tuple(gen.meta["data"]["shape"])
            if len(shape) != 3:
                raise GanStudioError("inversion needs an image generator; this one draws 2D points")
            if self.image is not None:
                target, source = load_target(self.image, shape), Path(self.image).name
            else:
                target, source = self._real_sample(gen, shape)
            inv = invert(gen, target, steps=self.steps, progress=lambda d, n: self.sig_progress.emit(d, n),
                         cancelled=lambda: self._cancel)
        except GanStudioError as exc:
            self.sig_failed.emit(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - the window stays up; the reason is shown
            self.sig_failed.emit(f"inversion failed ({type(exc).__name__}: {exc})")
            return
        if self._cancel:
            return
        self.sig_done.emit({"z": inv.z, "label": inv.label, "cat": inv.cat, "cont": inv.cont, "mse": inv.mse,
                            "start_mse": inv.start_mse, "source": source,
                            "target": to_uint8_grid(target[None], 1, padding=0),
                            "recon": to_uint8_grid(inv.recon[None], 1, padding=0)})

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
