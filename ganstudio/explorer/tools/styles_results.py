"""The Styles tool's side of its own thread (``workers/styles.py``, latest request only): asking for what the
settings draw (the current sample, seeds A and B, the mixing grid, a layer's feature maps; a request that wants
nothing new is not sent), and showing each part that comes back if the newest request still wants it. A mixin of
``StylesTool``, kept apart from styles.py, which holds the controls and the edits."""

from __future__ import annotations

import numpy as np

from ... import theme
from ...panels.samples import to_qimage
from ...workers.render import file_stamp
from ...workers.styles import StyleRequest, StyleResult, StylesThread
from ..latent import ExplorerState
from .styles_state import grid_seeds
from .styles_view import cell_image, channel_grid, feature_rgb


class StylesResults:
    """``StylesTool``'s thread and results: keeps ``_thread``, ``_latest_id``, ``done_id``, ``_have``,
    ``_wanted``, ``images``, ``grid``, ``features`` and ``ws``; needs the tool's pages, ``settings`` and
    ``grid_seeds()``."""

    @property
    def settled(self) -> bool:
        """Nothing asked of this tool's thread is still on its way (tests wait on this)."""
        return self.done_id >= self._latest_id and all(self._have.get(p) == k for p, k in self._wanted.items())

    def _thread_(self) -> StylesThread:
        if self._thread is None:
            self._thread = StylesThread(self)
            self._thread.sig_result.connect(self._on_result)
            self._thread.sig_failed.connect(self._on_failed)
        return self._thread

    def _request(self, st: ExplorerState) -> None:
        ctx, s = self.ctx, self.settings_of(st)
        rows, cols = grid_seeds(s, st.seed)
        z = lambda seeds: np.stack([ctx.seed_z(k)[0] for k in seeds])  # noqa: E731
        projected = np.frombuffer(s.projected, np.float32).reshape(len(self.sides), -1) if s.projected else None
        req = StyleRequest(ctx.checkpoint, file_stamp(ctx.checkpoint), ctx.space.z_of(self.plain_vector(st)),
                           ctx.seed_z(s.seed_b)[0], s.psi, s.offset, s.mix, s.noise, projected, z(rows), z(cols),
                           s.layer)
        wanted = req.keys()
        if wanted == self._wanted:
            return
        self._wanted = wanted
        self._latest_id = self._thread_().request(req)
        self._caption(rows, cols)

    def _caption(self, rows: list[int], cols: list[int]) -> None:
        ticked = [i for i, m in enumerate(self.settings.mix) if m]
        which = ", ".join(f"w{i}" for i in ticked) if ticked else "no layer (tick some on the left)"
        self.caption.setText(f"Seed A's styles, with seed B's at {which}. The grid: each row a source, each column "
                             "a destination; a cell is the destination with the source's styles at the ticked layers.")
        self.mixing.caption.setText(f"Rows: sources {', '.join(map(str, rows))} · columns: destinations "
                                    f"{', '.join(map(str, cols))} · ψ {self.settings.psi:.2f}")

    def _on_result(self, rid: int, r: StyleResult) -> None:
        self.done_id = max(self.done_id, rid)
        if not self._on() or r.checkpoint != self.ctx.checkpoint:
            return
        fresh = {p for p, k in r.keys.items() if self._wanted.get(p) == k}  # parts the newest request wants
        for p in fresh:
            self._have[p] = r.keys[p]
        for name in ("a", "b", "main"):
            if name in fresh and name in r.images:
                self.images[name] = r.images[name]
                self.mixing.canvases[name].show_pixels(r.images[name])
        if "main" in fresh and "main" in r.images:
            self.ws = r.ws
            self.sig_main.emit(r.images["main"])
        if "grid" in fresh and r.grid is not None:
            self._show_grid(r.grid)
        if "features" in fresh and r.features is not None:
            self.features = r.features
            self._show_features()
        if r.explained:
            self.pad_label.setToolTip(f"PC1: {r.explained[0]:.0%} of W's variance, PC2: {r.explained[1]:.0%}")

    def _on_failed(self, rid: int, message: str) -> None:
        self.done_id = max(self.done_id, rid)
        if rid >= self._latest_id:
            self.sig_message.emit("error", message)

    def _show_grid(self, grid: np.ndarray) -> None:
        self.grid = grid
        r, c = grid.shape[:2]
        rows, cols = self.grid_seeds()
        g = self.mixing.grid
        g.set_layout(c, grid.shape[2])
        g.cell_labels = [""] + [f"dst {k}" for k in cols] + sum(([f"src {k}"] + [""] * (c - 1) for k in rows), [])
        g.set_image(to_qimage(cell_image(grid, corner=False)))

    def _show_features(self) -> None:
        maps = self.features
        n = len(maps)
        self.channel = min(self.channel, n - 1)
        self.layers.set_channels(n, self.channel)
        self.layers.big.show_pixels(feature_rgb(maps[self.channel]))
        pic, cols = channel_grid(maps)
        self.layers.all.set_layout(cols, maps.shape[-1], 1)
        self.layers.all.marks = {self.channel: theme.ACCENT}
        self.layers.all.set_image(to_qimage(pic))
        m = maps[self.channel]
        layer = self.viewing.layer
        i = self.layers.layer_box.findData(layer)
        if i >= 0:
            self.layers.layer_box.setItemText(i, f"conv {layer} · {maps.shape[-1]} px · {n} ch")
            self.layers.layer_box.setCurrentIndex(i)
        self.layers.caption.setText(
            f"Conv {layer} at {maps.shape[-1]} px (after its noise, bias and LeakyReLU), for the current "
            f"sample: channel {self.channel} of {n}, values {float(m.min()):.2f} … {float(m.max()):.2f}. Colours "
            "span each map's own range; click a channel on the right to show it large.")
