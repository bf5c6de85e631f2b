"""What the command line shows while a run trains: rank 0's progress bar and messages, the other ranks'
errors. ``trainers.cli`` drives the run and hands every event to one of these."""

from __future__ import annotations

import sys


class Console:
    """Rank 0 (or a single process): a tqdm bar with the losses, messages above it, a summary at the end."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.bar = None

    def __call__(self, event) -> None:
        from .events import CheckpointSaved, EvalScores, Finished, Message, RunStarted, Stats

        if isinstance(event, RunStarted):
            print(f"{event.model} on {event.dataset} · {event.device} · run folder {event.run_dir}"
                  + (f" · resumed at step {event.step}" if event.resumed else ""), file=sys.stderr)
            if not self.quiet:
                from tqdm import tqdm
                self.bar = tqdm(total=event.total_steps, initial=event.step, unit="step", dynamic_ncols=True,
                                file=sys.stderr)
        elif isinstance(event, Stats) and self.bar is not None:
            self.bar.update(event.step - self.bar.n)
            v = event.values
            post = {k: f"{v[k]:.3f}" for k in ("loss_d", "loss_g", "wdist", "loss_info") if k in v}
            post["img/s"] = f"{v.get('img_per_s', 0):.0f}"
            self.bar.set_postfix(post, refresh=False)
        elif isinstance(event, Message):
            self.note(f"[{event.level}] step {event.step}: {event.text}")
        elif isinstance(event, EvalScores):
            from .metrics.report import eval_line

            self.note(f"[eval] step {event.step}: {eval_line(event.values)}{' · new best' if event.best else ''}")
        elif isinstance(event, CheckpointSaved) and self.quiet:
            print(f"checkpoint {event.path} (step {event.step})", file=sys.stderr)
        elif isinstance(event, Finished):
            if self.bar is not None:
                self.bar.update(event.step - self.bar.n)
            self.close()
            print(f"{event.reason} at step {event.step}; checkpoint: {event.checkpoint}", file=sys.stderr)

    def note(self, text: str) -> None:
        say(self.bar, text)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class RankErrors:
    """A torchrun rank other than 0: no bar, no log; its errors still reach stderr."""

    def __init__(self, run):
        self.rank = run.dist.rank if run.dist else "?"

    def __call__(self, event) -> None:
        from .events import Message

        if isinstance(event, Message) and event.level == "error":
            print(f"[rank {self.rank}] {event.text}", file=sys.stderr)

    def note(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def say(bar, text: str) -> None:
    if bar is not None:
        bar.write(text, file=sys.stderr)
    else:
        print(text, file=sys.stderr)
