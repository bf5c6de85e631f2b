"""Benchmarks run in CI in a tiny mode, so they cannot rot: both loops train, the figures print."""

from __future__ import annotations

import re

from tests.benchmarks import bench_family, bench_folder, bench_quality, bench_speed


def test_speed_benchmark_tiny_mode(capsys):
    assert bench_speed.main(["--tiny", "--device", "cpu", "--cases", "28"]) == 0  # (64: the same loops, resized)
    out = capsys.readouterr().out
    assert out.startswith("machine: ") and " cores · torch " in out
    rows = re.findall(r"^(DCGAN \d+×\d+, batch \d+)\s+(\S+)\s+(\d+)\s+(\d+)\s+([\d.]+)×$", out, re.M)
    assert [r[0] for r in rows] == ["DCGAN 28×28, batch 128"]
    for _, _, ref, ours, ratio in rows:
        assert int(ref) > 0 and int(ours) > 0
        # the printed ratio comes from unrounded figures: allow each printed img/s its ±0.5 of rounding (on a
        # loaded machine the tiny mode's figures are small, and then the rounding is most of the gap)
        slack = 0.01 + 0.02 * float(ratio) + float(ratio) * (0.5 / int(ours) + 0.5 / int(ref))
        assert abs(float(ratio) - int(ours) / int(ref)) < slack


def test_folder_benchmark_tiny_mode(capsys):
    assert bench_folder.main(["--images", "50", "--size", "16", "--source", "24", "--seconds", "0.2"]) == 0
    out = capsys.readouterr().out
    loads = re.findall(r"^  (memory|cache) load \((first|second)\): (\d+) images", out, re.M)
    assert loads == [("memory", "first", "50"), ("cache", "first", "50"), ("cache", "second", "50")]
    assert len(re.findall(r"^  sampler: [\d,]+ img/s at batch 64 · anonymous RSS", out, re.M)) == 2


def test_quality_benchmark_tiny_mode(capsys):
    """Both loops train, are probed at the same steps and are scored by one evaluator."""
    assert bench_quality.main(["--tiny"]) == 0
    out = capsys.readouterr().out
    rows = re.findall(r"^(reference \(pytorch/examples loop\)|GAN Studio \(ganstudio train\))\s+(never|step \d+ · \d+ s)"
                      r"\s+\d+\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s+[\d.]+\s+[\d.]+%$", out, re.M)
    assert [r[0] for r in rows] == ["reference (pytorch/examples loop)", "GAN Studio (ganstudio train)"]
    assert all(float(fid) > 0 and float(floor) > 0 for _, _, fid, floor in rows)
    assert re.search(r"per probe \(step: reference / ours\): 2: [\d.]+/[\d.]+, 4: [\d.]+/[\d.]+$", out, re.M)


def test_family_benchmark_tiny_mode(capsys, tmp_path):
    """SAGAN, BigGAN and StyleGAN each train beside their baseline and are scored by one evaluator."""
    for family, baseline, note in (("sagan", "dcgan", r"gamma_d [+-][\d.]+, gamma_g1"),
                                   ("biggan", "cgan", r"label acc at ψ 0\.5: [\d.]+"),
                                   ("stylegan", "dcgan", r"\d+ steps")):
        assert bench_family.main([family, "--tiny", "--work", str(tmp_path / family)]) == 0
        out = capsys.readouterr().out
        rows = re.findall(r"^(\w+) +(\d+|reused) +([\d.]+) +([\d.]+) +[\d.]+ +[\d.]+ +[\d.]+% +(\S+) *(.*)$",
                          out, re.M)
        assert [r[0] for r in rows] == [baseline, family]
        assert all(float(fid) > 0 and float(floor) > 0 for _, _, fid, floor, _, _ in rows)
        assert re.search(note, rows[1][5])


def test_augment_benchmark_tiny_mode(capsys):
    """Every kind trains on a folder written from the source and is scored at half and at the end."""
    from tests.benchmarks import bench_augment

    assert bench_augment.main(["--tiny"]) == 0
    out = capsys.readouterr().out
    rows = re.findall(r"^\s+32 (none|diffaugment|ada)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$", out,
                      re.M)
    assert [r[0] for r in rows] == ["none", "diffaugment", "ada"]
    assert all(float(fid) > float(floor) > 0 for _, _, fid, floor, _, _ in rows)
