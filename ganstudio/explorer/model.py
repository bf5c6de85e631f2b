"""The explorer's evented model, without Qt (napari's ``components/dims.py`` to the tools' ``qt_dims.py``):
which generator is open (``Context``), what is being looked at (the immutable ``ExplorerState``), its undo
``History``, and which tool is current.

Tools and the panel never hand the state to each other: they call the model (``edit``, ``undo``, ``open``…)
and subscribe to its events, which fire on the GUI thread in the order they were connected:

- ``events.context(ctx)``: a generator was opened and described; the state already fits its layout.
- ``events.history(can_undo, can_redo)``: undo or redo became (un)available.
- ``events.state(state, sync)``: the state changed. ``sync`` is False for an edit made by a control (a
  slider being dragged must not be set back), True when the whole state was replaced (undo, redo, a loaded
  latent): every control shows it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .latent import ExplorerState, History, Space, fresh_state


PAIR_CAPTION = "A | B: one z, both domains: the shared layers decide the digit, the last layer its look"


class Event:
    """A list of callbacks, called in the order they connected (a Qt-free signal)."""

    def __init__(self, name: str):
        self.name = name
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[..., Any]) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        for callback in list(self._callbacks):
            callback(*args)


class ExplorerEvents:
    """The model's events (see the module docstring for their arguments)."""

    def __init__(self):
        self.context = Event("context")
        self.history = Event("history")
        self.state = Event("state")


@dataclass(frozen=True)
class Context:
    """The generator being explored, as the render thread described it (``trainers.generator.describe()``
    plus hash, lineage, checkpoint and GANSpace directions)."""

    info: dict
    space: Space
    checkpoint: str
    stamp: float

    @property
    def directions(self) -> dict | None:
        return self.info.get("directions")

    @property
    def is_image(self) -> bool:
        return self.info.get("kind") == "image"

    @property
    def side(self) -> int:
        return int(self.info.get("image_size") or 0)

    @property
    def translates(self) -> bool:
        """G translates a given image (Pix2Pix): no z to draw, only the Translate tool applies."""
        return self.space.translates

    @property
    def superres(self) -> bool:
        """G upscales a low-resolution image (SRGAN): the Enhance tool applies, not Translate."""
        return self.translates and self.can("superres")

    @property
    def pairs(self) -> bool:
        """G draws a pair of images per z, one in each domain (CoGAN): the current sample shows both."""
        return bool(self.info.get("pairs"))

    @property
    def way_back(self) -> bool:
        """G (A → B) has a way back B → A in its family (CycleGAN's F, UNIT's b2a): the Translate tool shows it."""
        return self.can("way-back")

    def can(self, capability: str) -> bool:
        """Whether the model's family has ``capability`` (``trainers.models.registry.CAPABILITIES``): what a tool
        asks instead of the family's name."""
        return capability in (self.info.get("capabilities") or ())

    @property
    def domains(self) -> tuple[str, str]:
        """The names of a two-domain model's domains A and B (("A", "B") when the checkpoint does not say)."""
        names = [str(d) for d in self.info.get("domains") or []]
        return (names[0], names[1]) if len(names) == 2 else ("A", "B")

    def seed_z(self, seed: int, n: int = 1) -> np.ndarray:
        """z as ``ganstudio sample --seed`` draws it (z comes first from the seeded generator); (n, 0) for a
        generator without z (one that translates images)."""
        from trainers.generator import layout_from_info, seed_latent

        if not self.space.z_dim:
            return np.zeros((n, 0), np.float32)
        return seed_latent(layout_from_info(self.info), n, int(seed))["z"].astype(np.float32)

    def class_name(self, k: int) -> str:
        names = self.space.classes
        return names[k] if 0 <= k < len(names) else str(k)

    def about(self) -> str:
        """One line on the generator: title, step, training data, weights hash."""
        info = self.info
        bits = [info.get("title", "").split(" (")[0] or info.get("family", ""), f"step {info.get('step', 0):,}",
                f"trained on {info.get('dataset', '?')}", f"model {info.get('hash', '')[:8]}"]
        return " · ".join(b for b in bits if b)


class ExplorerModel:
    """The one place the explorer's state changes. Every change goes through a method here and is announced
    through ``events``; nothing here knows about widgets or threads."""

    def __init__(self, state: ExplorerState | None = None, history_limit: int = 200):
        self.events = ExplorerEvents()
        self.state = state if state is not None else ExplorerState()
        self.history = History(limit=history_limit)
        self.ctx: Context | None = None
        self.tool = "latent"  # the tool whose controls show (only it mirrors state changes)
        self._undo_redo = (False, False)

    # -- the open generator ----------------------------------------------------------------------------------
    def open(self, ctx: Context) -> None:
        """A generator was loaded and described. Another input layout starts from a fresh state (the seed
        kept, drawn again for the new z) and forgets the undo history; the same layout keeps both, so
        scrubbing the checkpoints of one run keeps the latent."""
        same_layout = self.ctx is not None and self.ctx.space == ctx.space
        self.ctx = ctx
        if not same_layout:
            seed = self.state.seed
            self.state = fresh_state(ctx.space, seed, ctx.seed_z(seed)[0])
            self.history.clear()
        self.events.context.emit(ctx)
        self._announce_history()

    def start_with(self, state: ExplorerState) -> None:
        """The state a newly opened generator starts from, when its descriptor alone cannot say (the Translate
        tool's first input). Only for a tool's ``set_context``: no undo step and no event, because the panel
        shows and renders the state right after the context event."""
        self.state = state

    def detach(self) -> None:
        """Another checkpoint was asked for: keep the layout (the state stays valid) but no longer claim the
        old checkpoint until ``open`` describes the new one. Announces nothing."""
        if self.ctx is not None:
            self.ctx = Context(self.ctx.info, self.ctx.space, "", 0.0)

    # -- edits and history -----------------------------------------------------------------------------------
    def edit(self, new: ExplorerState, key: str = "") -> None:
        """An edit from a control. Edits with the same non-empty ``key`` (one slider being dragged) merge into
        one undo step until ``break_merge``."""
        if new == self.state:
            return
        self.history.record(self.state, key or None)
        self._change(new, sync=False)

    def set_state(self, new: ExplorerState, record: bool = True) -> None:
        """Replace the whole state (a loaded latent): one undo step."""
        if record and new != self.state:
            self.history.record(self.state, None)
        self._change(new, sync=True)

    def undo(self) -> bool:
        """Back one step; False (and no event) when there is none."""
        return self._return_to(self.history.undo(self.state))

    def redo(self) -> bool:
        """Forward one undone step; False (and no event) when there is none."""
        return self._return_to(self.history.redo(self.state))

    def break_merge(self) -> None:
        """A drag ended: the next edit of the same control is a new undo step."""
        self.history.break_merge()

    @property
    def can_undo(self) -> bool:
        return self.history.can_undo

    @property
    def can_redo(self) -> bool:
        return self.history.can_redo

    def set_tool(self, name: str) -> None:
        """The panel shows another tool: from now on its controls follow state changes (the others catch up
        when they are shown). Announces nothing."""
        self.tool = name

    def caption(self) -> str:
        """One line on the current sample: seed, ψ, direction offsets, class (or blend), codes ("" when no
        generator is open)."""
        if self.ctx is None:
            return ""
        st, sp = self.state, self.ctx.space
        if sp.translates and self.ctx.superres:
            f = self.ctx.side // max(1, sp.image_shape[-1])
            return f"SRGAN ×{f} of {st.source or 'a blank input'}"
        if sp.translates:
            return f"G's output for {st.source}" if st.source else "G's output for a blank input"
        if sp.truncation == "normal":  # BigGAN's truncation to ±ψ
            psi = "ψ off" if st.psi is None else f"ψ {st.psi:.2f}"
        else:
            psi = f"ψ {st.truncation:.2f}"
        bits = [f"seed {st.seed}", psi]
        if any(st.offsets):
            bits.append("PC " + " ".join(f"{v:+.1f}" for v in st.offsets if v))
        if sp.classes:
            cls = self.ctx.class_name(st.label)
            bits.append(f"class {cls}" if st.label_b is None else
                        f"class {cls}→{self.ctx.class_name(st.label_b)} t={st.blend:.2f}")
        for name, v in zip(sp.code_names, list(st.cat) + list(st.cont)):
            bits.append(f"{name} {v:g}" if isinstance(v, int) else f"{name} {v:+.2f}")
        if self.ctx.pairs:
            bits.append(PAIR_CAPTION)
        return " · ".join(bits)

    # -- internals -------------------------------------------------------------------------------------------
    def _return_to(self, state: ExplorerState | None) -> bool:
        if state is None:
            return False
        self._change(state, sync=True)
        return True

    def _change(self, new: ExplorerState, sync: bool) -> None:
        self.state = new
        self._announce_history()
        self.events.state.emit(new, sync)

    def _announce_history(self) -> None:
        now = (self.history.can_undo, self.history.can_redo)
        if now != self._undo_redo:
            self._undo_redo = now
            self.events.history.emit(*now)
