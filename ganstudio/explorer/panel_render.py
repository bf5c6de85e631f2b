"""The explorer panel's side of the render thread: what it asks for (the current sample and the shown tool's
outputs, the latest request only, see workers/render.py) and where the answers go (the large canvas, the tool that
asked, the message line). A mixin of ``ExplorerPanel``, kept apart so panel.py is about the tools and the layout."""

from __future__ import annotations

import numpy as np

from ..panels.samples import to_qimage
from ..workers.render import Output, RenderRequest, RenderThread, file_stamp
from .latent import Space
from .model import Context


class PanelRendering:
    """``ExplorerPanel``'s rendering: needs its ``source``, ``model``, ``canvas``, ``message``, tools and
    ``_shown_tool()``; keeps ``_thread``, ``_latest_id``, ``shown_id``, ``done_id``, ``images`` and ``_owner``."""

    def render(self) -> None:
        path = self.source.currentData()
        if not path:
            return
        outputs: list[Output] = []
        self._owner = {}
        if self.ctx is not None and self.ctx.checkpoint == path:
            tool = self._shown_tool()
            if self.ctx.translates:  # G's input is the Translate (or Enhance) tool's image, not a latent vector
                image_tool = self.enhance_tool if self.ctx.superres else self.translate_tool
                outputs.append(image_tool.main_output(self.state))
            elif not tool.draws_main:  # a pair generator (CoGAN) draws both of its domains for the current z: A | B
                # named moves on some W+ layers only (StyleGAN) are drawn as an offset to W+ (the Latent tool's)
                main = None if self.ctx.pairs else self.latent_tool.main_output(self.state)
                outputs.append(main or Output.of("main", self.state.vector(self.ctx.space, self.ctx.directions),
                                                 cols=1, pad=0, kind="pair" if self.ctx.pairs else "grid"))
            for out in tool.outputs(self.state):
                outputs.append(out)
                self._owner[out.name] = tool
        if self._thread is None:
            self._thread = RenderThread(self)
            self._thread.sig_model.connect(self._on_model)
            self._thread.sig_rendered.connect(self._on_rendered)
            self._thread.sig_failed.connect(self._on_failed)
            self._thread.sig_done.connect(self._on_done)
        self._latest_id = self._thread.request(RenderRequest(path, file_stamp(path), tuple(outputs)))

    def _on_model(self, rid: int, info: dict) -> None:
        if info.get("checkpoint") != self.source.currentData():
            return
        self.message.setText("")
        self.model.open(Context(info, Space.from_info(info), info["checkpoint"], file_stamp(info["checkpoint"])))

    def _on_rendered(self, rid: int, name: str, image, info: dict) -> None:
        if self.ctx is None or info.get("checkpoint") != self.ctx.checkpoint:
            return  # drawn for a model no longer shown
        if name == "main":
            self._rendered_main = (image, info.get("checkpoint"))
            if self._shown_tool().draws_main:
                return  # the tool draws the current sample itself; this one waits for the next tool
        self.images[name] = image
        if name == "main":
            self.canvas.set_image(to_qimage(image))
            self.shown_id = rid
            if self.ctx.is_image and not self.ctx.superres:
                self.recent_render = (image, self._render_words())
            if self.message.objectName() == "error":
                self.message.setText("")
            return
        tool = self._owner.get(name)
        if tool is not None:
            tool.take(name, image)

    def _on_done(self, rid: int) -> None:
        self.done_id = max(self.done_id, rid)

    @property
    def settled(self) -> bool:
        """Nothing asked for is still on its way (tests and benchmarks wait on this)."""
        return self._thread is not None and self.done_id >= self._latest_id

    def cover_stale(self, path: str) -> None:
        """Another checkpoint was chosen: the tools' pictures are the old model's until the new one is open."""
        from pathlib import Path

        from .tools.widgets import StaleCover

        if getattr(self, "_stale", None) is None:
            self._stale = StaleCover(self.views)
        p = Path(path)
        name = p.parent.parent.name if p.parent.name == "checkpoints" else p.parent.name
        self._stale.cover(f"Loading {name} ({p.stem})…")

    def uncover(self) -> None:
        if getattr(self, "_stale", None) is not None:
            self._stale.hide()

    def _on_failed(self, rid: int, message: str) -> None:
        self.uncover()
        if rid >= self.shown_id:
            self.show_message("error", message)
            if self.ctx is None:
                self.canvas.set_image(None)
                self.canvas.placeholder = "This checkpoint cannot be explored"

    def _on_tool_main(self, image) -> None:
        """The current sample, drawn by a tool that ``draws_main`` (the Styles tool's edits in W)."""
        tool = self.sender()
        if self.ctx is None or tool is not self._shown_tool():
            return
        self.images["main"] = image
        self.canvas.set_image(to_qimage(image))
        if self.ctx.is_image and not self.ctx.superres:
            self.recent_render = (image, self._render_words())
        self._sync_caption()

    def _restore_main(self) -> None:
        """Another tool shows: the render thread's current sample is back on the canvas (it is drawn again if
        the state moved on meanwhile)."""
        kept = getattr(self, "_rendered_main", None)
        if self._shown_tool().draws_main or kept is None or self.ctx is None or kept[1] != self.ctx.checkpoint:
            return
        self.images["main"] = kept[0]
        self.canvas.set_image(to_qimage(kept[0]))

    def _render_words(self) -> str:
        """The current sample in words, for the Enhance tool's "Use the explorer's image"."""
        info = self.ctx.info
        return f"the {info.get('family', 'model')} sample ({self.model.caption()}) of step {info.get('step', 0):,}"

    def grid_image(self) -> np.ndarray | None:
        tool = self.current_tool
        composed = tool.composed_picture()
        if composed is not None:
            return composed
        names = [n for n, t in self._owner.items() if t is tool and n in self.images and n not in tool.thumbnails]
        if not names:
            return None
        if names[0] == "frames":
            from .tools.interpolate import _strip

            return _strip(self.images["frames"])
        return tool.picture(names[0], self.images[names[0]])
