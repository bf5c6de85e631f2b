"""Plain-text report of an evaluation result (``ganstudio eval`` without ``--json``)."""

from __future__ import annotations

from . import superres, translation

# (key, label, how to read it, scale for display)
ROWS = (
    ("fid", "FID (domain)", "lower is better", 1.0),
    ("kid", "KID ×1000", "lower is better (unbiased: ≈0 ± noise for real)", 1000.0),
    ("precision", "precision (k-NN)", "share of fakes that look real", 1.0),
    ("recall", "recall (k-NN)", "share of the data the fakes cover", 1.0),
    ("is", "IS-like score", "higher: confident, varied classes", 1.0),
    ("coverage", "classes covered", "a class counts from 1/10 of its fair share", 1.0),
    ("modes", "modes covered", "numbers 000-999 shown at least once (stacked)", 1.0),
    ("modes_kl", "KL to uniform", "KL(generated ‖ uniform) over the modes; lower", 1.0),
)


# The quality bars of issue 5 (domain scores, protocol: 5,000 fakes vs 5,000 real, floor = two disjoint real
# halves). A bundled model that misses one is still shipped if it is the best we have, and says so.
BARS = {
    "fid_ratio": 2.0,  # domain FID ≤ 2 × the real-vs-real floor
    "label_accuracy": 0.98,  # conditional models: the classifier agrees with the requested label
    "code_accuracy": 0.95,  # InfoGAN categorical code, Hungarian-matched to classes
    "code_correlation": 0.7,  # InfoGAN: some continuous code with |r| ≥ 0.7 to a ground-truth factor
    "psnr_gain": 6.0,  # translation: PSNR at least 6 dB above the input-as-output baseline
    "label_preservation": 0.95,  # translation: the digit drawn is the digit given
    "label_preservation_unpaired": 0.9,  # CycleGAN: the same, learnt without pairs
    "cycle_l1": 0.05,  # CycleGAN: mean |F(G(x)) − x| in [0, 1]
    "class_agreement": 0.9,  # CoGAN: the two images of a pair show the same digit
    "sr_psnr_gain": 3.0,  # SRGAN ×4: PSNR at least 3 dB above bicubic's
    "sr_label_accuracy": 0.95,  # SRGAN: the upscaled digit is read as the digit it is
    "modes": 1000,  # a stacked set (issue 40): every one of the 1,000 numbers drawn (R3GAN's published count) ...
    "modes_kl": 0.03,  # ... as evenly as R3GAN's published KL to uniform (0.029; real data ≈ 0.02 at 26,000)
}
CEILINGS = ("fid_ratio", "cycle_l1", "modes_kl")  # bars a value must stay under (the others it must reach)


def bar_values(metrics: dict) -> dict[str, float]:
    """The measured value for each bar that applies to this result's metrics."""
    if "psnr" in metrics and "bicubic" in metrics["psnr"]:
        return superres.bar_values(metrics)
    if "psnr" in metrics or "class_agreement" in metrics:
        return translation.bar_values(metrics)
    out = {"fid_ratio": metrics["fid"]["value"] / metrics["fid"]["floor"]}
    for key in ("label_accuracy", "code_accuracy", "code_correlation", "modes", "modes_kl"):
        if key in metrics:
            out[key] = metrics[key]["value"]
    return out


def bars_met(metrics: dict) -> dict[str, bool]:
    """Which bars the result meets (FID is a ceiling, the others are floors)."""
    return {k: (v <= BARS[k]) if k in CEILINGS else (v >= BARS[k]) for k, v in bar_values(metrics).items()}


def _num(x: float, scale: float = 1.0) -> str:
    v = x * scale
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.3f}" if abs(v) < 10 else f"{v:.2f}"


def table(result: dict) -> str:
    if superres.is_superres(result):
        return superres.table(result)
    if translation.is_translation(result):
        return translation.table(result)
    m = result["metrics"]
    ck = result.get("checkpoint", {})
    p = result["protocol"]
    clf = result["classifier"]
    kind = clf.get("kind", "classifier")
    real = result.get("real")
    lines = [f"{ck.get('path', '')}",
             f"  {ck.get('family', '?')} at step {ck.get('step', '?')} · "
             + (f"against the folder {real['folder']}" if real else f"dataset {p['dataset']}")
             + f" ({p['dataset_size']:,} images)",
             f"  features: {_features_line(clf)}",
             f"  fakes:    {p['fake']}",
             f"  real:     {p['real']}",
             f"  floor:    {p['floor']}",
             "  (Inception FID/KID: comparable with papers' clean-fid figures on the same real set and sample count)"
             if kind == "inception" else "  (domain scores: not comparable to Inception FID/IS)", ""]
    if result.get("warning"):
        lines.insert(1, f"  warning: {result['warning']}")
    head = f"  {'score':<22}{'model':>10}{'real floor':>12}   note"
    lines += [head, "  " + "─" * (len(head) + 20)]
    skipped = result.get("skipped", {})
    for key, label, note, scale in ROWS:
        if key not in m:
            if key in skipped:
                lines.append(f"  {label:<22}{'–':>10}{'–':>12}   skipped: {skipped[key]}")
            continue
        if key == "fid" and kind == "inception":
            label = "FID (Inception)"
        s = m[key]
        if key in ("coverage", "modes"):
            model, floor = f"{s['value']}/{s['of']}", f"{s['floor']}/{s['of']}"
        else:
            model, floor = _num(s["value"], scale), _num(s["floor"], scale)
        count = f" ({s['samples']:,} samples)" if key.startswith("modes") else ""
        lines.append(f"  {label:<22}{model:>10}{floor:>12}   {note}{count}")
        if key == "modes_kl" and "parts" in s:
            lines += _kl_rows(s["parts"])
    if "swd" in m:
        sw = m["swd"]
        lines.append(f"  {'SWD ×1000 (mean)':<22}{sw['value']:>10.2f}{sw['floor']:>12.2f}   sliced Wasserstein distance of "
                     f"7×7 patches, {sw['images']:,} images; lower is better")
        for side, v, f in zip(sw["levels"], sw["per_level"], sw["floor_per_level"]):
            lines.append(f"  {'  at ' + str(side) + ' px':<22}{v:>10.2f}{f:>12.2f}   Laplacian pyramid level")
    if "ink_spread" in m:
        ink = m["ink_spread"]
        lines.append(f"  {'ink colour spread':<22}{ink['value']:>10.3f}{ink['floor']:>12.3f}   chromaticity std over "
                     f"each digit's ink, {ink['images']:,} images; lower: one colour a digit")
        lines.append(f"  {'  images with ink':<22}{ink['drawn']:>10.2f}{ink['floor_drawn']:>12.2f}   share that draws "
                     "a bright stroke at all")
    for key, label in (("label_accuracy", "label accuracy"), ("code_accuracy", "code accuracy")):
        if key in m:
            lines.append(f"  {label:<22}{_num(m[key]['value']):>10}{_num(m[key]['reference']):>12}   "
                         "floor column: the classifier's own held-out accuracy")
    if "code_correlation" in m:
        for name, c in m["code_correlation"]["codes"].items():
            ref = m["code_correlation"]["reference"].get(c["factor"], float("nan"))
            label = f"{name} ~ {c['factor']}"
            lines.append(f"  {label:<22}{c['r']:>+10.3f}{ref:>12.3f}   correlation of code and factor; floor "
                         "column: the classifier's own")
    if "style_separation" in m:
        from .styles import table as styles_table

        lines += styles_table(m["style_separation"])
    for key, label in (("label_accuracy", "label accuracy"), ("code_accuracy", "code accuracy")):
        if key in skipped:
            lines.append(f"  {label:<22}{'–':>10}{'–':>12}   skipped: {skipped[key]}")
    if "coverage" in m and "modes" not in m:  # a stacked set's 1,000 shares are the Modes view's, not a line
        lines += ["", "  class shares  " + " ".join(f"{h:.2f}" for h in m["coverage"]["histogram"])]
    if "code_accuracy" in m:
        for name, c in m["code_accuracy"]["codes"].items():
            lines.append(f"  {name} values → classes: {', '.join(str(v) for v in c['value_to_class'])}")
    if "label_accuracy" in m:
        lines.append("  per class     " + " ".join(f"{v:.2f}" for v in m["label_accuracy"]["per_class"]))
    return "\n".join(lines)


def _kl_rows(parts: dict[str, float]) -> list[str]:
    """The KL to uniform split in two (``modes.kl_parts``): uneven digits within the channels, channels tied."""
    within = sum(parts[c] for c in "RGB")
    each = ", ".join(f"{c} {parts[c]:.3f}" for c in "RGB")
    return [f"  {'  digits per channel':<22}{_num(within):>10}{'':>12}   uneven digits within R, G, B ({each})",
            f"  {'  channels tied':<22}{_num(parts['tied']):>10}{'':>12}   channels not independent of each other "
            "(total correlation); the two add up to the KL"]


def _features_line(clf: dict) -> str:
    """Which feature space the distances are measured in, in a few words."""
    kind = clf.get("kind", "classifier")
    if kind == "inception":
        return f"Inception-v3 pool ({clf['features']:,}) of {clf['weights']}, {clf['input']}"
    if kind == "self-supervised":
        return (f"an encoder GAN Studio learnt on these images without labels (SimCLR, {clf['train_steps']:,} steps; "
                f"{clf['view_match']:.1%} of {clf['held_out']:,} held-out images matched to their other view)")
    return (f"GAN Studio's {clf['arch']} classifier for this dataset, {clf['accuracy']:.1%} on "
            f"{clf['held_out']:,} held-out images")


def summary(result: dict) -> str:
    """One line for a status bar or a header: FID next to its floor, precision/recall, accuracies."""
    if superres.is_superres(result):
        return superres.summary(result)
    if translation.is_translation(result):
        return translation.summary(result)
    m = result["metrics"]
    fid = "Inception FID" if result.get("classifier", {}).get("kind") == "inception" else "domain FID"
    parts = [f"{fid} {m['fid']['value']:.2f} (real floor {m['fid']['floor']:.2f})",
             f"precision {m['precision']['value']:.2f}", f"recall {m['recall']['value']:.2f}"]
    if "modes" in m:
        parts.append(f"modes {m['modes']['value']}/{m['modes']['of']} (real {m['modes']['floor']}), "
                     f"KL {m['modes_kl']['value']:.3f} (real {m['modes_kl']['floor']:.3f})"
                     + (f", of it channels tied {m['modes_kl']['parts']['tied']:.3f}" if "parts" in m["modes_kl"]
                        else ""))
    elif "coverage" in m:
        parts.append(f"classes {m['coverage']['value']}/{m['coverage']['of']}")
    if "label_accuracy" in m:
        parts.append(f"label accuracy {m['label_accuracy']['value']:.1%}")
    if "code_accuracy" in m:
        parts.append(f"code accuracy {m['code_accuracy']['value']:.1%}")
    if "code_correlation" in m:
        best = max(m["code_correlation"]["codes"].items(), key=lambda kv: abs(kv[1]["r"]))
        parts.append(f"{best[0]}~{best[1]['factor']} r {best[1]['r']:+.2f}")
    return " · ".join(parts)


def eval_line(v: dict[str, float]) -> str:
    """One line of domain scores, e.g. for the progress log."""
    parts = [f"FID {v['eval_fid']:.2f} (real floor {v['eval_fid_floor']:.2f})",
             f"precision {v['eval_precision']:.2f}", f"recall {v['eval_recall']:.2f}"]
    for key, label in (("eval_label_accuracy", "label acc"), ("eval_code_accuracy", "code acc"),
                       ("eval_code_correlation", "best code |r|")):
        if key in v:
            parts.append(f"{label} {v[key]:.3f}")
    if "eval_modes" in v:
        parts.append(f"modes {v['eval_modes']:.0f} · KL {v['eval_modes_kl']:.3f}")
    return " · ".join(parts)


def sweep_table(result: dict) -> str:
    """``ganstudio eval --truncation-sweep`` as a table: one row per ψ, quality against variety."""
    p = result["protocol"]
    lines = [f"truncation sweep of {result.get('checkpoint', {}).get('path', '?')} "
             f"(step {result.get('checkpoint', {}).get('step', '?')}; {p['samples']:,} fakes per ψ vs real, "
             f"seed {p['seed']})",
             "z truncated to ±ψ: smaller ψ trades variety (recall, FID) for quality (label accuracy, precision)",
             "",
             f"{'ψ':>6}  {'label acc':>9}  {'precision':>9}  {'recall':>6}  {'FID':>7}"]
    for row in result["rows"]:
        psi = "none" if row["psi"] is None else f"{row['psi']:g}"
        acc = "-" if row["label_accuracy"] is None else f"{row['label_accuracy']:.3f}"
        lines.append(f"{psi:>6}  {acc:>9}  {row['precision']:>9.3f}  {row['recall']:>6.3f}  {row['fid']:>7.2f}")
    lines.append(f"(real-vs-real FID floor {result['rows'][0]['fid_floor']:.2f})")
    return "\n".join(lines)
