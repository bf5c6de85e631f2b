"""The explorer's evented model without Qt: it imports no Qt, fires its events in order with the values they
announce, merges drags into one undo step, undoes and redoes, and keeps or resets the state when another
generator opens."""

import json
import math
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from ganstudio.explorer.latent import ExplorerState, Space
from ganstudio.explorer.model import Context, Event, ExplorerModel

from .test_no_qt import QT

CODES = [{"name": "cat", "kind": "categorical", "categories": 3}, {"name": "c1", "kind": "continuous"},
         {"name": "c2", "kind": "continuous"}]


def context(checkpoint="run/checkpoints/last.safetensors", z_dim=4, classes=("a", "b", "c"), codes=CODES):
    info = {"z_dim": z_dim, "classes": list(classes), "codes": list(codes), "kind": "image", "image_size": 28,
            "title": "InfoGAN (digits)", "family": "infogan", "step": 1200, "dataset": "digits",
            "hash": "0123456789abcdef", "checkpoint": checkpoint}
    return Context(info, Space.from_info(info), checkpoint, 1.0)


@pytest.fixture
def model():
    """A model with a generator open and a recorder of every event, as (event, values...) tuples."""
    m = ExplorerModel()
    m.open(context())
    m.seen = []
    m.events.context.connect(lambda ctx: m.seen.append(("context", ctx.checkpoint)))
    m.events.history.connect(lambda can_undo, can_redo: m.seen.append(("history", can_undo, can_redo)))
    m.events.state.connect(lambda st, sync: m.seen.append(("state", st.seed, st.truncation, sync)))
    return m


def test_the_model_imports_and_works_with_qt_imports_forbidden():
    code = (
        "import sys\n"
        "class NoQt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {QT!r}:\n"
        "            raise ImportError('Qt is forbidden here: ' + name)\n"
        "sys.meta_path.insert(0, NoQt())\n"
        "from dataclasses import replace\n"
        "from ganstudio.explorer.model import Context, ExplorerModel\n"
        "from ganstudio.explorer.latent import Space\n"
        "info = {'z_dim': 3, 'classes': [], 'codes': []}\n"
        "m = ExplorerModel()\n"
        "m.open(Context(info, Space.from_info(info), 'x', 0.0))\n"
        "m.edit(replace(m.state, seed=7))\n"
        "m.undo()\n"
        f"bad = [n for n in sys.modules if n.split('.')[0] in {QT!r}]\n"
        "print(len(m.state.base_z), m.state.seed, m.can_redo, bad)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "3 0 True []"


def test_opening_a_generator_draws_the_seed_and_announces_the_context():
    m = ExplorerModel()
    seen = []
    m.events.context.connect(lambda ctx: seen.append((ctx.checkpoint, m.state.seed, m.state.base_z)))
    ctx = context()
    m.open(ctx)
    assert m.ctx is ctx and len(seen) == 1
    checkpoint, seed, base_z = seen[0]
    assert checkpoint == "run/checkpoints/last.safetensors" and seed == 0
    assert np.allclose(base_z, ctx.seed_z(0)[0]) and len(base_z) == 4  # the state fits before anyone is told
    assert m.state.cat == (0,) and m.state.cont == (0.0, 0.0)
    assert ctx.about() == "InfoGAN · step 1,200 · trained on digits · model 01234567"


def test_an_edit_fires_history_then_state_with_the_new_values(model):
    model.edit(replace(model.state, seed=5, truncation=0.5))
    assert model.seen == [("history", True, False), ("state", 5, 0.5, False)]
    model.seen.clear()
    model.edit(replace(model.state, seed=5, truncation=0.5))  # no change: no event, no undo step
    assert model.seen == []
    model.edit(replace(model.state, truncation=0.75))  # undo was already available: state only
    assert model.seen == [("state", 5, 0.75, False)]


def test_a_drag_is_one_undo_step_and_undo_redo_go_through_the_model(model):
    s0 = model.state
    for v in (0.9, 0.8, 0.7):  # one slider dragged: same key, merged
        model.edit(replace(model.state, truncation=v), key="trunc")
    model.break_merge()  # released
    model.edit(replace(model.state, truncation=0.6), key="trunc")  # a second drag: its own step
    model.seen.clear()
    assert model.undo() and model.state.truncation == pytest.approx(0.7)
    assert model.seen == [("history", True, True), ("state", 0, 0.7, True)]  # sync: every control shows it
    assert model.undo() and model.state == s0
    assert model.seen[-2:] == [("history", False, True), ("state", 0, 1.0, True)]
    model.seen.clear()
    assert not model.undo() and model.seen == []  # nothing left: nothing happens
    assert model.redo() and model.state.truncation == pytest.approx(0.7)
    assert model.redo() and model.state.truncation == pytest.approx(0.6)
    assert model.seen == [("history", True, True), ("state", 0, 0.7, True), ("history", True, False),
                          ("state", 0, 0.6, True)]
    assert not model.redo()


def test_a_loaded_state_is_one_undo_step_and_the_caption_follows(model):
    loaded = replace(model.state, seed=9, truncation=0.5, label=1, label_b=2, blend=0.25, cat=(1,),
                     cont=(0.5, -1.5))
    model.set_state(loaded)
    assert model.seen == [("history", True, False), ("state", 9, 0.5, True)]
    assert model.caption() == "seed 9 · ψ 0.50 · class b→c t=0.25 · cat 1 · c1 +0.50 · c2 -1.50"
    model.undo()
    assert model.state.seed == 0 and model.caption() == "seed 0 · ψ 1.00 · class a · cat 0 · c1 +0.00 · c2 +0.00"
    assert ExplorerModel().caption() == ""  # nothing open


def test_another_checkpoint_of_the_same_layout_keeps_the_state_and_history(model):
    model.edit(replace(model.state, seed=3))
    edited = model.state
    model.detach()  # another checkpoint was picked: the layout stays, the old file is no longer claimed
    assert model.ctx.checkpoint == "" and model.ctx.space.z_dim == 4 and model.seen[-1][0] == "state"
    model.seen.clear()
    model.open(context("run/checkpoints/step_0000600.safetensors"))
    assert model.state == edited and model.can_undo
    assert model.seen == [("context", "run/checkpoints/step_0000600.safetensors")]


def test_another_layout_starts_fresh_with_the_same_seed_and_no_history(model):
    model.edit(replace(model.state, seed=3, truncation=0.5))
    model.seen.clear()
    other = context("other/last.safetensors", z_dim=8, classes=(), codes=())
    model.open(other)
    assert model.seen == [("context", "other/last.safetensors"), ("history", False, False)]
    assert model.state == ExplorerState(seed=3, base_z=tuple(float(v) for v in other.seed_z(3)[0]))
    assert not model.can_undo and not model.can_redo


def test_events_call_back_in_connection_order_and_can_be_disconnected():
    ev, calls = Event("x"), []
    first = ev.connect(lambda v: calls.append(("first", v)))
    ev.connect(lambda v: calls.append(("second", v)))
    ev.emit(1)
    ev.disconnect(first)
    ev.emit(2)
    assert calls == [("first", 1), ("second", 1), ("second", 2)]


# -- damaged latent files: refused with a one-line message, nothing changed -----------------------------------
MODEL = {"hash": "0123456789abcdef", "lineage": "run1", "family": "infogan", "step": 1200}


def _good_doc() -> dict:
    from ganstudio.explorer.latent_files import latent_document

    st = ExplorerState(seed=9, base_z=(0.1, -0.2, 0.3, 0.4), truncation=0.8, label=2, cat=(1,), cont=(0.5, -1.5))
    return latent_document(st, context().space, MODEL)


def _deep(doc: dict) -> str:
    return json.dumps(doc)[:-1] + ', "codes": ' + "[" * 100_000 + "]" * 100_000 + "}"


BAD_LATENTS = {  # what a damaged or hand-edited file holds: a change to a good document, or its whole text
    "version not a number": {"version": "abc"},
    "version infinite": {"version": math.inf},
    "seed infinite": {"seed": math.inf},
    "seed too big": {"seed": 1e30},
    "seed negative": {"seed": -1},
    "codes not a mapping": {"codes": [1]},
    "nested 100k deep": _deep,
    "category out of range": {"codes": {"cat": 99, "c1": 0.0, "c2": 0.0}},
    "category negative": {"codes": {"cat": -1, "c1": 0.0, "c2": 0.0}},
    "category not whole": {"codes": {"cat": 1.5, "c1": 0.0, "c2": 0.0}},
    "continuous code NaN": {"codes": {"cat": 0, "c1": math.nan, "c2": 0.0}},
    "z NaN": {"base_z": [math.nan, 0.0, 0.0, 0.0]},
    "z infinite": {"base_z": [0.0, math.inf, 0.0, 0.0]},
    "z not numbers": {"base_z": ["a", 0.0, 0.0, 0.0]},
    "z too short": {"base_z": [0.0, 0.0]},
    "offsets NaN": {"offsets": [math.nan]},
    "truncation NaN": {"truncation": math.nan},
    "truncation infinite": {"truncation": math.inf},
    "class out of range": {"label": 99},
    "class not whole": {"label": 2.5},
    "blend class out of range": {"label_b": 99, "blend": 0.5},
    "blend weight out of range": {"label_b": 1, "blend": 5.0},
    "model not a mapping": {"model": "x"},
    "styles not a mapping": {"styles": [1]},
    "styles psi out of range": {"styles": {"psi": 9.0}},
    "styles seed B negative": {"styles": {"seed_b": -3}},
    "styles offset one number": {"styles": {"offset": [1.0]}},
    "styles mix not true/false": {"styles": {"mix": [1, 0]}},
    "styles noise unknown": {"styles": {"noise": ["loud"]}},
    "styles projection ragged": {"styles": {"projection": {"ws": [[0.0, 1.0], [2.0]], "space": "w+"}}},
    "styles projection NaN": {"styles": {"projection": {"ws": [[math.nan]], "space": "w"}}},
    "styles projection space": {"styles": {"projection": {"ws": [[0.0]], "space": "z"}}},
}


@pytest.mark.parametrize("damage", BAD_LATENTS.values(), ids=BAD_LATENTS.keys())
def test_a_damaged_latent_file_is_refused_with_a_one_line_message(tmp_path, damage):
    from ganstudio.explorer.latent_files import LatentFileError, load_latent

    doc = _good_doc()
    text = damage(doc) if callable(damage) else json.dumps({**doc, **damage})
    path = tmp_path / "bad.latent.json"
    path.write_text(text)
    current = ExplorerState(seed=3, base_z=(0.0,) * 4, cat=(0,), cont=(0.0, 0.0))
    with pytest.raises(LatentFileError) as err:
        load_latent(path, context().space, MODEL, current)
    assert isinstance(err.value, ValueError)
    message = str(err.value)
    assert message.startswith("bad.latent.json") and "\n" not in message and len(message) < 300


def test_styles_in_a_latent_file_fit_the_model_or_change_nothing(tmp_path):
    """The Styles tool's settings (a StyleGAN's state holds them) round-trip exactly; a file without them is seed A's
    own w; lengths that do not fit this model's W+ are refused with a message, and so are styles for a model that
    has none."""
    from ganstudio.explorer.latent import Styles
    from ganstudio.explorer.latent_files import LatentFileError, latent_document, load_latent, save_latent

    now = Styles(seed_b=4, mix=(False,) * 3, noise=("const",) * 2, w_dim=2)
    ws = np.array([[0.1, -2.5], [3.25, 1e-3], [7.0, 0.0]], np.float32)
    st = ExplorerState(seed=9, base_z=(0.1, -0.2, 0.3, 0.4), cat=(1,), cont=(0.5, -1.5),
                       styles=Styles(7, 0.35, (1.5, -2.0), (True, False, True), ("none", 12), ws.tobytes(), "x.png",
                                     "w+", 9, 2))
    doc = latent_document(st, context().space, MODEL)
    assert doc["styles"]["projection"] == {"ws": ws.tolist(), "source": "x.png", "space": "w+"}
    path = save_latent(tmp_path / "styled.json", doc)
    base = ExplorerState(seed=3, base_z=(0.0,) * 4, cat=(0,), cont=(0.0, 0.0), styles=now)
    back, _ = load_latent(path, context().space, MODEL, base)
    assert back == st
    moved = replace(st, seed=10)  # seed A moved on: the projection is no longer the current w, nor saved
    assert latent_document(moved, context().space, MODEL)["styles"]["projection"] is None
    for name, change, words in (("mix", lambda s: s.update(mix=[True] * 4), "has 3 layers and 2 noise inputs"),
                                ("noise", lambda s: s.update(noise=["const"]), "2 noise inputs"),
                                ("ws", lambda s: s["projection"].update(ws=[[0.0] * 3] * 3), "3×3 styles")):
        bad = json.loads(path.read_text())
        change(bad["styles"])
        (tmp_path / f"{name}.json").write_text(json.dumps(bad))
        with pytest.raises(LatentFileError, match=words):
            load_latent(tmp_path / f"{name}.json", context().space, MODEL, base)
    with pytest.raises(LatentFileError, match="StyleGAN styles"):
        load_latent(path, context().space, MODEL, replace(base, styles=None))
    plain = json.loads(path.read_text())
    del plain["styles"]
    (tmp_path / "old.json").write_text(json.dumps(plain))
    back, _ = load_latent(tmp_path / "old.json", context().space, MODEL, replace(base, styles=st.styles))
    assert back.styles == replace(now, seed_b=7) and back.seed == 9  # seed B kept: nothing is mixed
    assert load_latent(tmp_path / "old.json", context().space, MODEL, ExplorerState())[0].styles is None


def test_a_good_latent_file_still_loads_every_field(tmp_path):
    from ganstudio.explorer.latent_files import load_latent

    path = tmp_path / "good.json"
    path.write_text(json.dumps(_good_doc()))
    st, note = load_latent(path, context().space, MODEL, ExplorerState())
    assert (st.seed, st.base_z, st.truncation, st.label, st.cat, st.cont) == (
        9, (0.1, -0.2, 0.3, 0.4), 0.8, 2, (1,), (0.5, -1.5)) and note == ""
