"""The command line end to end, as a user (or a script) runs it: in this process through ``trainers.cli.main``
(what ``python -m trainers`` calls; a subprocess would cost a torch import each time), and in real subprocesses
where the process itself is the point (signals, the entry points, an import that must not load torch)."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from .conftest import run_cli

TINY = ["--data-limit", "512", "--batch-size", "32", "--width", "8", "--sample-every", "5",
        "--checkpoint-every", "5", "--quiet"]


cli = run_cli


@pytest.fixture(scope="module")
def cgan_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "cgan"
    r = cli("train", "--model", "cdcgan", "--steps", "10", "--out", out, *TINY)
    assert r.returncode == 0, r.stderr
    return out, r


def test_train_writes_a_run(cgan_run):
    out, r = cgan_run
    assert "completed at step 10" in r.stderr
    assert (out / "checkpoints" / "last.safetensors").exists()
    assert len(list((out / "samples").glob("step_*.png"))) == 3
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["step"] == 10


def test_info_json_schema(cgan_run):
    out, _ = cgan_run
    r = cli("info", out, "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert {"path", "family", "kind", "image_size", "channels", "z_dim", "classes", "codes", "step",
            "dataset"} <= set(info)
    assert info["family"] == "cdcgan" and info["image_size"] == 28 and info["channels"] == 1
    assert info["classes"] == [str(d) for d in range(10)] and info["step"] == 10 and info["dataset"] == "digits"
    # the generator-input descriptor, what a script needs to build inputs of any family
    assert [(p["name"], p["kind"], p["size"]) for p in info["inputs"]] == [("z", "normal", 100), ("label", "class", 10)]
    human = cli("info", out)
    assert "cdcgan" in human.stdout and "28x28" in human.stdout
    assert "z (normal 100) ‖ label (class 10)" in human.stdout


def test_sample_grid_with_label(cgan_run, tmp_path):
    out, _ = cgan_run
    png = tmp_path / "grid.png"
    r = cli("sample", out / "checkpoints" / "last.safetensors", "--n", "16", "--out", png, "--label", "3")
    assert r.returncode == 0, r.stderr
    img = np.asarray(Image.open(png))
    assert img.shape == (4 * 30 + 2, 4 * 30 + 2, 3)  # 4×4 tiles of 28 px with 2-px padding
    bad = cli("sample", out, "--n", "4", "--out", tmp_path / "x.png", "--label", "12")
    assert bad.returncode == 2 and "out of range" in bad.stderr and "Traceback" not in bad.stderr


def test_infogan_codes(tmp_path):
    out = tmp_path / "info"
    assert cli("train", "--model", "infogan", "--steps", "3", "--out", out, *TINY).returncode == 0
    info = json.loads(cli("info", out, "--json").stdout)
    assert [c["name"] for c in info["codes"]] == ["cat", "c1", "c2"]
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    assert cli("sample", out, "--n", "4", "--out", a, "--code", "c1=-2").returncode == 0
    assert cli("sample", out, "--n", "4", "--out", b, "--code", "c1=2", "--code", "cat=3").returncode == 0
    assert not np.array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(b)))
    r = cli("sample", out, "--n", "4", "--out", a, "--code", "nope=1")
    assert r.returncode == 2 and "codes are cat, c1, c2" in r.stderr


def test_resume_from_the_command_line(tmp_path):
    out = tmp_path / "r"
    assert cli("train", "--model", "gan", "--steps", "5", "--out", out, *TINY).returncode == 0
    again = cli("train", "--model", "gan", "--steps", "5", "--out", out, *TINY)
    assert again.returncode == 2 and "--resume" in again.stderr
    r = cli("train", "--model", "gan", "--steps", "10", "--out", out, "--resume", *TINY)
    assert r.returncode == 0 and "resumed at step 5" in r.stderr and "completed at step 10" in r.stderr


@pytest.mark.parametrize("args,message", [
    (["--batch-size", "0"], "--batch-size must be"),
    (["--lr-g", "-0.001"], "--lr-g must be"),
    (["--model", "nosuch"], "unknown model 'nosuch'"),
    (["--image-size", "50"], "not 50"),
    (["--data", "mnist", "--data-root", "/definitely/missing"], "mnist not found under /definitely/missing"),
    (["--device", "cuda:7"], "--device cuda:7"),
])
def test_invalid_values_are_one_line_and_exit_2(tmp_path, args, message):
    r = cli("train", "--steps", "5", "--out", tmp_path / "x", *args)
    if "cuda" in message and "error" not in r.stderr:
        pytest.skip("a CUDA device exists here")
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_list_and_foreign_checkpoint(tmp_path):
    r = cli("list")
    assert r.returncode == 0 and "wgan-gp" in r.stdout and "digits" in r.stdout and "cifar10" in r.stdout
    assert "ganstudio text CKPT" in r.stdout  # TediGAN, on a trained StyleGAN
    junk = tmp_path / "weights.safetensors"
    junk.write_bytes(b"not a checkpoint at all")
    r = cli("info", junk)
    assert r.returncode == 2 and "weights.safetensors" in r.stderr and "Traceback" not in r.stderr


def test_ganstudio_entry_point_dispatches_to_the_cli():
    from ganstudio.__main__ import main

    assert main(["list"]) == 0


@pytest.mark.parametrize("signame, says", [("SIGINT", "interrupted"), ("SIGTERM", "SIGTERM received"),
                                           ("SIGHUP", "SIGHUP received")])
def test_a_stop_signal_stops_with_a_final_checkpoint(tmp_path, signame, says):
    """Ctrl+C, and what `timeout`, docker, systemd and SLURM send (SIGTERM) or a closed terminal (SIGHUP):
    the run stops with a final checkpoint and exits 128 + the signal."""
    import signal
    import time

    sig = getattr(signal, signame)
    out = tmp_path / "long"
    proc = subprocess.Popen([sys.executable, "-m", "trainers", "train", "--model", "gan", "--steps", "100000",
                             "--out", str(out), *TINY], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "checkpoints" / "last.safetensors").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, err
    assert f"{says}: writing a final checkpoint" in err and "stopped at step" in err
    step = int(err.split("stopped at step ")[1].split(";")[0])
    info = json.loads(cli("info", out, "--json").stdout)
    assert info["step"] == step and step >= 5  # the SIGINT came after the step-5 checkpoint existed


def test_resume_keeps_the_recipe(tmp_path):
    out = tmp_path / "r"
    assert cli("train", "--model", "gan", "--steps", "3", "--out", out, *TINY).returncode == 0
    r = cli("train", "--steps", "6", "--out", out, "--resume", "--lr-g", "0.01", "--quiet")
    assert r.returncode == 2 and "trained with lr_g=0.0002" in r.stderr
    r = cli("train", "--steps", "6", "--out", out, "--resume", "--quiet")  # model, data, ... from the run
    assert r.returncode == 0 and "gan on digits" in r.stderr and "completed at step 6" in r.stderr


def test_sample_and_train_refuse_absurd_values_in_one_line(cgan_run, tmp_path):
    """Issue 18, items 7 and 9: values that used to give tracebacks, a black image, 8 TB of allocation or a
    silent default now get one line and exit 2; --out's suffix names the format written."""
    out, _ = cgan_run
    for args, says in ((["--code", "cat=inf"], "finite"), (["--nrow", "-1"], "--nrow"),
                       (["--seed", str(2 ** 70)], "--seed"), (["--out", str(tmp_path / "s.gif")], ".png, .jpg")):
        r = cli("sample", out, "--n", "4", *(["--out", str(tmp_path / "x.png")] if "--out" not in args else []),
                *args)
        assert r.returncode == 2 and says in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
    jpg = tmp_path / "s.jpg"
    assert cli("sample", out, "--n", "4", "--out", jpg, "--label", "3").returncode == 0
    assert jpg.read_bytes()[:3] == b"\xff\xd8\xff" and Image.open(jpg).format == "JPEG"
    for args, says in ((["--data-limit", "1000000000000"], "--data-limit"), (["--image-size", "0"], "--image-size")):
        r = cli("train", "--model", "dcgan", "--steps", "2", "--out", tmp_path / "t", *args)
        assert r.returncode == 2 and says in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)
    assert "opens the desktop app" in subprocess.run([sys.executable, "-m", "ganstudio", "--help"],
                                                     capture_output=True, text=True).stdout


def test_list_answers_without_importing_torch():
    """Issue 18 item 26: `ganstudio list` reads the torch-free catalog, which names every registered family."""
    code = ("import sys; from trainers.cli import main; main(['list']); "
            "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip().endswith("NO-TORCH"), r.stdout + r.stderr
    from trainers.catalog import FAMILY_TITLES
    from trainers.models import MODELS

    assert list(MODELS)[:len(FAMILY_TITLES)] == list(FAMILY_TITLES)
    assert all(MODELS[n].title == t for n, t in FAMILY_TITLES.items())
    assert all(f"  {n:<10} {t}" in r.stdout for n, t in FAMILY_TITLES.items())


def test_the_command_line_closes_a_finished_run():
    """The run's cleanup (writes, the evaluator, leaving a torchrun process group) runs when it finishes, not
    whenever the garbage collector gets to it (at interpreter shutdown a Gloo process group aborted a worker)."""
    from trainers.cli import drive as _drive
    from trainers.events import Finished

    class Run:
        closed = 0

        def __next__(self):
            return Finished(3, "completed", None)

        def send(self, command):
            raise AssertionError("a finished run is not driven on")

        def close(self):
            self.closed += 1

    class Show:
        seen: list = []

        def __call__(self, event):
            self.seen.append(event)

        def note(self, text):
            pass

        def close(self):
            pass

    run, show = Run(), Show()
    assert _drive(run, show) == 0
    assert run.closed == 1 and [type(e).__name__ for e in show.seen] == ["Finished"]
