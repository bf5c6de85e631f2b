"""Rebuild the bundled generators: train each with `ganstudio train`, export generator-only checkpoints
(float16) into assets/models/<name>/checkpoints/, then check that they are good with a digit classifier.

    python assets/models/rebuild.py                 # train them all, export, check (≈2½ h on a 2-core CPU)
    python assets/models/rebuild.py --only cgan-digits
    python assets/models/rebuild.py --check         # only re-measure what is in assets/models
    python assets/models/rebuild.py --device cuda   # same recipes on a GPU

The exact training commands are in MODELS below and in each model's model.json ("command"). Training is
deterministic for a seed on the CPU, so a rebuild on the CPU gives the same generators (the hash in the
explorer's header says so). The check is `ganstudio eval` on each model (domain FID and its real-vs-real
floor, precision/recall, label accuracy for the cGAN, matched code accuracy and code-factor correlation for
InfoGAN; for the image-to-image families the scores against the true translation, the cycle error, and CoGAN's
pair agreement); the full result goes into model.json ("eval"), with which of the bars
(trainers/metrics/report.py BARS) each model meets.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

MODELS = {
    "dcgan-digits": {
        "title": "DCGAN · digits",
        # the DCGAN authors' MNIST nets (--arch mnist, dcgan_code's mnist/): with the conv nets of the LSUN
        # experiments, 4,000 steps reached domain FID 50.5, precision 0.19 and a rarest digit at 2%; these
        # reach 17.1, 0.57 and 7.5% in 3,000 (2,000 samples). G steps at 1e-3, InfoGAN's rate for these nets (D keeps
        # the paper's 2e-4): side by side with pytorch/examples' loop on the same nets and images (bench_quality
        # --arch mnist --width 32 --steps 3000 --lr-g 1e-3 --lr-d 2e-4, seed 0) FID 9.3 against 12.6
        "args": ["--model", "dcgan", "--data", "digits", "--steps", "3000", "--seed", "1", "--width", "32",
                 "--arch", "mnist", "--lr-g", "1e-3", "--checkpoint-every", "1000", "--eval-every", "0"],
        "keep": [1000, 2000],  # earlier steps shipped too, for the Checkpoints tool
    },
    "cgan-digits": {
        "title": "cGAN · digits",
        # cgan's default conv nets (label as image channels for D), batch 128: the MLP of earlier bundles
        # needed 6,000 steps for 0.995 on digits and drew the asked-for MNIST digit only about half the time
        "args": ["--model", "cgan", "--data", "digits", "--steps", "3000", "--seed", "1",
                 "--checkpoint-every", "1000", "--eval-every", "0"],
        "keep": [],
    },
    "infogan-digits": {
        "title": "InfoGAN · digits",
        # The paper's MNIST nets (the default --arch) at width 32 with the paper's optimiser (batch 128, G lr
        # 1e-3, D lr 2e-4, β1 0.5) and a small z: with InfoGAN's 62 values the noise carried the digit and the
        # categorical code matched digits for only 0.16 of samples at 3,000 steps; z 8 leaves the digit to the
        # code (0.76 at 3,000 steps, 0.82 at 5,000). Evaluation off while training: rebuild.py measures after.
        # Q learns at G's rate (the default --lr-q): 0.85 at 3,000 steps against 0.76 with Q at D's rate.
        # λ = 2 (--info-weight): seeds 0-4 at λ 1 reached 0.59-0.86 at 3,000 steps; at λ 2 seed 0 0.775, seed 1
        # 0.927, and seed 1 ended at 0.944 after 9,000 steps (5,000 samples) with 0 and 8 sharing two code values.
        # Seed 3 (5,000 samples): 0.77 at 1,500 steps, 0.904 at 3,000, 0.986 at 4,500, each value one digit
        # (trained as 1,500 steps and then --resume, which is bit-exact)
        "args": ["--model", "infogan", "--data", "digits", "--steps", "9000", "--seed", "3", "--z-dim", "8",
                 "--width", "32", "--info-weight", "2", "--checkpoint-every", "1500", "--eval-every", "0"],
        "keep": [3000],
    },
    "sagan-digits": {
        "title": "SAGAN · digits",
        # SAGAN on the DCGAN authors' MNIST nets (--arch mnist, the default now): DCGAN's FCGenerator/FCTrunk with
        # spectral norm on every layer, no BatchNorm in D, self-attention at 7×7 and 14×14 in G and 14×14 in D,
        # hinge loss, Adam β (0, 0.9), D at the paper's 4e-4, G at 1e-3 (DCGAN's rate for these nets; the
        # paper's 1e-4 is for a million steps), EMA 0.995. The LSUN-style conv nets of the earlier bundle (--arch
        # conv, G 2e-4) reached domain FID 47 and precision 0.08 in 3,000 steps. Probes at 500 steps (2,000
        # fakes): this recipe FID 45; β1 0.5 instead of 0: 115; D at 1e-3: 51; D without its fully connected
        # layer (attention at 7×7): 63. The side-by-side with DCGAN at equal CPU minutes is in the top
        # README. 9,000 steps (the bundle before: 3,000): an independent LeNet (real MNIST test split, p >= 0.9, 1,000
        # samples; real digits 0.883) reads 0.785, 0.829, 0.827, 0.832 at steps 3,000, 5,000, 7,000, 9,000, every
        # digit 7.1-12.6% at 9,000 (issue 37)
        "args": ["--model", "sagan", "--data", "digits", "--steps", "9000", "--seed", "0", "--width", "32",
                 "--arch", "mnist", "--lr-g", "1e-3", "--ema", "0.995", "--checkpoint-every", "1000",
                 "--eval-every", "0"],
        "keep": [],
    },
    "biggan-digits": {
        "title": "BigGAN · digits",
        # biggan's defaults (width 16, one D step, EMA 0.999, orthogonal regularisation 1e-4)
        "args": ["--model", "biggan", "--data", "digits", "--steps", "3000", "--seed", "0",
                 "--checkpoint-every", "500", "--eval-every", "0"],
        "keep": [],
    },
    "pix2pix-edges": {
        "title": "Pix2Pix · outline → digit",
        # the paper's recipe (U-Net, PatchGAN, λ 100, Adam 2e-4 β1 0.5) at width 16: 1.0M parameters, the
        # paper's width 64 has 16.7M; D ships too, for the explorer's per-patch realness map
        "args": ["--model", "pix2pix", "--data", "digits-edges", "--steps", "2000", "--seed", "0", "--width", "16",
                 "--checkpoint-every", "1000"],
        "keep": [],
        "also": ["D"],
    },
    "unit-bold": {
        "title": "UNIT · plain ↔ bold",
        # the paper's weights (GAN 10, reconstruction 100, KL 0.1, cycle 100, cycle KL 0.1) and Adam 1e-4 with weight
        # decay, at width 16 and batch 16; one coupled generator translates both ways
        "args": ["--model", "unit", "--data", "digits-plain", "--data-b", "digits-bold", "--steps", "1500",
                 "--seed", "0", "--width", "16", "--checkpoint-every", "500"],
        "keep": [],
    },
    "cogan-negative": {
        "title": "CoGAN · plain and negative",
        # the paper's MNIST nets (DCGAN's, split at the sharing line) at width 16, batch 64, Adam 2e-4 β1 0.5
        "args": ["--model", "cogan", "--data", "digits-plain", "--data-b", "digits-negative", "--steps", "2000",
                 "--seed", "1", "--width", "16", "--checkpoint-every", "500", "--eval-every", "0"],
        "keep": [],
    },
    "srgan-digits": {
        "title": "SRGAN · digits ×4",
        # SRResNet (8 blocks of 32 channels) for 2,000 steps of pixel MSE, then 1,000 of SRGAN (content: the
        # digits classifier's conv features; adversarial 1e-3; lr ×0.1 for the last 500), batch 32; R (the
        # SRResNet) ships too, for the Enhance tool's side-by-side and for eval
        "args": ["--model", "srgan", "--data", "digits", "--steps", "3000", "--pretrain-steps", "2000", "--seed", "0",
                 "--width", "32", "--batch-size", "32", "--decay-start", "2500", "--checkpoint-every", "1000"],
        "keep": [],
        "also": ["R"],
    },
    "progan-digits": {
        "title": "ProGAN · digits, grown to 32 px",
        # the paper's recipe (WGAN-GP + drift, Adam β (0, 0.99), pixel norm, equalised lr, minibatch stddev) with what
        # made the coloured model draw all ten digits: width 16, two D steps per G step, 32,000 images a 32-px phase and
        # 1.33× more a side down, EMA 0.995: 4 px to step 1,177, 8 px fading in to 2,061 and stable to 2,946, 16 px to
        # 3,611 and 4,276, 32 px fading in to 4,776, then 32 px to the end; and two changes that made its strokes smooth
        # and G keep up with D (issue 37): G's trunk upsamples bilinear (--arch bilinear, a [1, 3, 3, 1] low-pass as
        # StyleGAN2; nearest drew rough, broken strokes) and G learns at 2e-3 (D 1e-3; the W estimate at 32 px 2.1-3.4
        # where 1e-3 climbed to 3.9). Read by an independent LeNet (real MNIST test split, p >= 0.9) at steps 5,000 /
        # 6,000 / 6,500 / 7,500 / 9,000: 0.37 / 0.50 / 0.54 / 0.63 / 0.68; the bundle before (nearest, G 1e-3) 0.38 /
        # 0.44 / 0.49 / 0.53 / 0.60. Apart, at 5,000 steps, bilinear alone read 0.365 and the old recipe 0.378: the
        # low-pass smooths the strokes, the shapes come with the training. Tried and not kept: the old bundle trained on
        # from 9,000 steps (0.615, 0.619 at 9,500, 10,000; the same with G at 2e-3: 0.623 at 9,500), a uniform average
        # of its raw G over steps 5,000-9,000 or 7,000-9,000 (0.535, 0.579: no better than its EMA), StyleGAN's loss on
        # these nets (--loss bce --r1 1, one D step, 16,000 images a phase: the same steps per side) reads 0.06, 0.38,
        # 0.42, 0.48 at steps 4,500 / 5,500 / 6,500 / 8,000 where the old recipe reads 0.06, -, 0.49, 0.56: the loss is
        # not why. About 70 min at one thread beside another run. `rebuild.py --check`: readable 0.639 against real
        # 0.916 on GAN Studio's classifier (0.70 of real; the bundle before 0.541, 0.59), domain FID 3.59 (5.94),
        # precision 0.65 (0.45), recall 0.87 (0.88). Trained on at 32 px (--resume --steps 15000, bit-exact; 80 min at
        # one thread beside two other trainings), GAN Studio's classifier reads 0.639, 0.686, 0.713, 0.749, 0.751,
        # 0.769, 0.779 of it at steps 9,000 / 10,000 / 11,000 / 12,000 / 13,000 / 14,000 / 15,000 (real 0.916): the
        # bundle was step 15,000, 0.85 of real with every digit 5.1-11.8% of the readable ones (real 4.5-11.3%),
        # FID 1.37, precision 0.82, recall 0.92. Trained on at a constant lr it read 0.776 at 16,000 (one digit at
        # 3.9%): flat. The bundle now: from step 16,000 the learning rates fall linearly to 0 at 18,000 (--resume
        # --steps 18000 --lr-decay linear --decay-start 16000: the run's past is the decay's, so the single command
        # below trains the same run; 38 min at one thread beside three others). It reads 0.770, 0.769, 0.782, 0.783
        # at 16,500 / 17,000 / 17,500 / 18,000: the decay does not make it more readable, but it lowers FID to 0.85
        # (1.37), SWD to 10.6 (real 10.7) and raises precision to 0.84, recall to 0.94, the LeNet's share to 0.757.
        "args": ["--model", "progan", "--data", "digits", "--image-size", "32", "--steps", "18000", "--seed", "0",
                 "--width", "16", "--batch-size", "32", "--n-critic", "2", "--phase-images", "32000", "--phase-ratio",
                 "1.33", "--ema", "0.995", "--arch", "bilinear", "--lr-g", "2e-3", "--lr-decay", "linear",
                 "--decay-start", "16000", "--checkpoint-every", "500", "--eval-every", "0"],
        "keep": [2500, 3500, 4500],  # 8 px stable, 16 px and 32 px fading in (α 0.83 and 0.45): the Resolution tool
    },
    "progan-digits-rgb": {
        "title": "ProGAN · coloured digits, grown to 32 px",
        # the paper's recipe at width 16 and batch 32 with two D steps per G step (its code's D_training_repeats),
        # phases of 48,000 images at 32 px and 1.33× longer a side down (4 px 1,765 steps; 8 px 1,327 + 1,327;
        # 16 px 998 + 998; 32 px a 750-step fade-in, then stable to the end), and an EMA of 0.995, whose horizon
        # (200 steps) fits inside a phase where 0.999's (1,000 steps) averages across the growing. 61 min on 2 cores.
        # How it was found: the digits recipe (width 8, one D step, 16,000 images a phase) drew murky blobs, mostly
        # 8-like (domain FID 2,025, floor 4.9; recall 0.25); batch 16, --arch flat --width 16 (one image by 8 px),
        # --phase-ratio 2 (FID 2,084, 6 of 10 digits), no pixel norm, no minibatch stddev, StyleGAN's loss + R1 and
        # a quarter of the learning rate (collapsed) did not help. Trained at one fixed side (batch 32, 1,600 steps),
        # the width-8 critic is too weak at 8 px: it scores fakes above reals (W estimate < 0) and G loses the
        # grounds' colours (mean-colour spread 0.01, real 0.144); --n-critic 2 (0.144), width 16 (0.143) or D at
        # 2e-3 (0.121) fix that. With them and --phase-ratio 2 (16 px for 500 + 500 steps) the 16-px digits were
        # rainbow-stroked shapes (ink colour spread 0.072 at step 5,000); at 16 px from scratch 600 steps did not
        # lower it (0.11; 0.07 without pixel norm). Here the 16-px side has twice the steps and the run draws all ten
        # digits (FID 1,246, recall 0.61) with the StyleGAN's ink spread (0.068 against 0.069, real 0.006); what is
        # left is G falling behind D at each side: the W estimate settles at 0.1 (4 px), 0.8, 2.2 and 3.3 (32 px).
        # A lead: at one fixed 16-px side, G at 2e-3 (D 1e-3) held it at 2.0-2.6 over 600 steps where 1e-3 reached
        # 3.2-3.6 (ink spread 0.10 against 0.11); at 3e-3 it broke: W estimate < 0 and the colours lost (spread 0.01).
        # That bundle (48,000 images a 32-px phase, 8,400 steps, 61 min): FID 1,246, precision 0.14, recall 0.61,
        # SWD 31.6, ink spread 0.068; an independent LeNet (real MNIST) read 0.015 of it through the ink map.
        # Now (issue 37) the grey bundle's recipe: G's trunk upsampling bilinear (--arch bilinear) with G at 2e-3 and
        # 32,000 images a 32-px phase, 9,000 steps (7,643, then --resume: bit-exact), about 35 min on 2 idle cores:
        # smooth single-hued strokes on even grounds; FID 492, precision 0.18, recall 0.90, SWD 25.0, ink spread
        # 0.059; the LeNet reads 0.129 of it (real digits-rgb 0.700): better on every figure, still the roughest.
        # Trained on at 32 px to 12,000 steps (--resume --steps 12000, bit-exact; 55 min at one thread beside two
        # other trainings), GAN Studio's classifier reads 0.821, 0.825, 0.841, 0.852, 0.839, 0.871, 0.874 of it at
        # steps 9,000 / 9,500 / ... / 12,000 (real 1.000): that bundle was step 12,000, every digit 5.5-12.9% of the
        # readable ones, FID 270, precision 0.32. Trained on to 16,000 (--resume --steps 16000, bit-exact; 82 min at
        # one thread beside two or three other trainings): 0.898, 0.910, 0.904, 0.918, 0.932 at steps 13,000 /
        # 13,500 / 14,000 / 15,000 / 16,000: the bundle is step 16,000
        "args": ["--model", "progan", "--data", "digits-rgb", "--image-size", "32", "--steps", "16000", "--seed", "0",
                 "--width", "16", "--batch-size", "32", "--n-critic", "2", "--phase-images", "32000", "--phase-ratio",
                 "1.33", "--ema", "0.995", "--arch", "bilinear", "--lr-g", "2e-3", "--checkpoint-every", "250",
                 "--eval-every", "0"],
        "keep": [2500, 3500, 4500],  # 8 px stable, 16 px and 32 px fading in (α 0.83 and 0.45): the Resolution tool
    },
    "stylegan-digits": {
        "title": "StyleGAN · digits, 32 px",
        # the recipe of trainers/models/stylegan.py (mapping depth 4 at lr ×0.01, modulated convs, noise, mixing 0.9,
        # lazy R1 γ 1, EMA 0.999 warmed up, Adam 2e-3 β (0, 0.99), filtered upsampling) at width 16 and batch 32:
        # 10,000 steps, 34 min on an idle 2-core CPU (trained as 6,000 steps, then --resume to 10,000: bit-exact).
        # Read by an independent LeNet (real MNIST test split) with p >= 0.9, 1,000 samples: 0.31, 0.51, 0.60, 0.65,
        # 0.69, 0.73, 0.76, 0.77, 0.79, 0.80 at steps 1,000 … 10,000 (real digits 0.883); the bundle before (width 8,
        # 3,000 steps, nearest upsampling) 0.57. --check: readable 0.832 against real 0.916 (0.91 of it), every
        # digit 5.3-13.0%, domain FID 6.0 (was 20.9), precision 0.84 (0.36), recall 0.87 (0.82)
        "args": ["--model", "stylegan", "--data", "digits", "--image-size", "32", "--steps", "10000", "--seed", "0",
                 "--width", "16", "--batch-size", "32", "--checkpoint-every", "1000", "--eval-every", "0"],
        "keep": [],
        # TediGAN's text model for it (trainers/text/tedigan.py, the default steps, seed 0: ~8 min on 2 cores),
        # trained on the exported generator (its weights hash binds the two): last.text.safetensors
        "text": True,
    },
    "stylegan-digits-rgb": {
        "title": "StyleGAN · coloured digits, 32 px",
        # the recipe and size of stylegan-digits (width 16, filtered upsampling) on digits-rgb (coloured digits on
        # coloured grounds), 10,000 steps (trained as 6,000, about 20 min on an idle 2-core CPU, then --resume to
        # 10,000). Read through the ink map by the independent LeNet (real 0.700): 0.339, 0.485, 0.537 at steps 6,000,
        # 8,000, 10,000. The bundle before: width 8, 3,000 steps, nearest upsampling (blocky 4- and 8-px grounds):
        # domain FID 439, recall 0.86, SWD 57.7 (real 12.2)
        "args": ["--model", "stylegan", "--data", "digits-rgb", "--image-size", "32", "--steps", "10000", "--seed",
                 "0", "--width", "16", "--batch-size", "32", "--checkpoint-every", "1000", "--eval-every", "0"],
        "keep": [],
    },
    "r3gan-stacked": {
        "title": "R3GAN · stacked digits (1,000 modes)",
        # issue 40: the Modes view's model on first launch. R3GAN's nets at width 16 (G 32/32/16 channels at 7/14/28
        # px), RpGAN with R1 and R2. The official CIFAR preset (lr 2e-4, γ 0.05) collapses at this width: counted on
        # 2,000 fakes (real: 880 numbers) it drew 221 numbers at step 400. Probes of 600 steps (2,000 fakes, seed 0):
        # lr 1e-3 385 → 369 numbers (steps 300 → 600); lr 2e-3 at width 32 461 → 173; G 2e-3 with D 2e-4
        # 167 → 50; lr 2e-3 with γ 1 328 → 270 (241 at 900), with --mbstd too 299 → 390; lr 2e-3 with γ 10
        # 354 → 543, the only one that kept rising: at width 16 a grouped conv of 16 channels changes little per
        # Adam step (the preset's nets are 768 wide), and a strong zero-centred penalty keeps D from racing ahead.
        # The official basis (--arch basis: each of G's 32 channels at 7×7 one learnt map scaled by one number of z)
        # ties the three channels together at this width: its 6,000 steps (the bundle until now, 35 min) drew 946
        # modes at KL 0.598 over 26,000 fakes, 0.525 of it channels tied (metrics.modes.kl_parts), each channel's
        # digits even. With a dense stem (--arch dense, z to a full 7×7 map per channel) the same recipe drew 992
        # modes at KL 0.357 by step 1,000 (ties 0.136); --arch wide (64 channels at 7×7) evened the channels but
        # tied them (0.74 on 2,000 fakes at step 500, dense 0.38; the basis 0.71 at step 1,000). Counted on 2,000
        # fakes during training (real: 880 numbers): 555, 697, 722, 723, 726, 775, 758, 779, 769 at steps 500 ...
        # 4,500 (the basis: 482 at 1,000, 643 at 5,000).
        # Its step 6,000 (stopped at 1,064 and resumed: bit-exact; about 60 min at one thread beside two other
        # trainings) drew all 1,000 modes at KL 0.154 (ties 0.049), FID 174, recall 0.21. The same run
        # trained on at the same rates to step 9,000 (--resume --steps 9000, bit-exact; 45 min at one thread beside
        # another training): KL counted on 2,000 fakes 0.391, 0.367, 0.366, 0.351, 0.340, 0.335 at steps 6,500 ...
        # 9,000; over 26,000 at 9,000: 1,000 modes, KL 0.085 (R 0.019, G 0.027, B 0.002, tied 0.037), FID 130,
        # precision 0.91, recall 0.39. Tried beside it and not kept: from step 6,000 the official annealing
        # (--lr-decay anneal --decay-start 6000 --steps 9000: lr to 1/4, γ to 1/10, β2 0.9 → 0.99 on a half cosine)
        # reached KL 0.095 (R 0.021, G 0.030, B 0.003, tied 0.041), FID 126, precision 0.88, recall 0.41: what
        # lowered the KL is the 3,000 steps, not the schedule. Trained on to 12,000 (--resume --steps 12000; 35 min at
        # one thread beside the test suite): KL on 2,000 fakes 0.329, 0.323, 0.322, 0.321, 0.312, 0.330 at 9,500 ...
        # 12,000; over 26,000 at 12,000 (the bundle): KL 0.064 (R 0.012, G 0.013, B 0.001, tied 0.039), FID 109,
        # precision 0.95, recall 0.48. Trained on to 24,000 (session 50; one thread beside another training), over
        # 26,000 fakes: KL 0.057, 0.049, 0.044, 0.043, 0.041, 0.041 at 13,500, 15,000 ... 21,000 (ties 0.039 → 0.035:
        # the channels within even out, the ties stay), at 24,000 0.038 at constant rates (R 0.003, G 0.002, B 0.000,
        # tied 0.033); from 22,000 with the rates falling linearly to 0 (the bundle) 0.036 (R 0.002, G 0.002, B 0.000,
        # tied 0.032). The raw G ties more than its EMA (at 12,000: 0.050 against 0.039); EMA weights averaged over
        # 10,000–12,000 tie 0.037 but spread each channel's digits less evenly (0.068 in all).
        "args": ["--model", "r3gan", "--data", "digits-stacked", "--arch", "dense", "--width", "16", "--steps", "24000",
                 "--lr-decay", "linear", "--decay-start", "22000",
                 "--seed", "0", "--eval-every", "500", "--eval-samples", "2000", "--checkpoint-every", "500"],
        "keep": [],
    },
    "cyclegan-bold": {
        "title": "CycleGAN · plain ↔ bold",
        # the paper's recipe (ResNet G and F, PatchGAN Ds, LSGAN, λ 10, identity 5, pool 50, linear decay over
        # the second half) at width 16 and batch 16; F ships too (B → A, for the way back)
        "args": ["--model", "cyclegan", "--data", "digits-plain", "--data-b", "digits-bold", "--steps", "1500",
                 "--seed", "0", "--width", "16", "--decay-start", "750", "--checkpoint-every", "500"],
        "keep": [],
        "also": ["F"],
    },
}


def train(name: str, spec: dict, work: Path, device: str) -> Path:
    out = work / name
    cmd = [sys.executable, "-m", "ganstudio", "train", *spec["args"], "--out", str(out), "--device", device,
           "--quiet"]
    print(f"[{name}] {' '.join(cmd[2:])}", flush=True)
    t = time.time()
    subprocess.run(cmd, check=True, cwd=ROOT)
    print(f"[{name}] trained in {time.time() - t:.0f} s", flush=True)
    return out


def _finished(last: Path, spec: dict) -> bool:
    from trainers.checkpoints import read_meta

    meta = read_meta(last)[1]
    return int(meta["step"]) == int(spec["args"][spec["args"].index("--steps") + 1])


def export(name: str, spec: dict, run: Path) -> None:
    from trainers.checkpoints import export_generator

    dest = HERE / name / "checkpoints"
    if dest.exists():
        shutil.rmtree(dest)
    also = tuple(spec.get("also", ()))  # modules the explorer uses besides G (Pix2Pix: D's per-patch verdicts)
    for step in spec["keep"]:
        src = run / "checkpoints" / f"step_{step:07d}.safetensors"
        export_generator(src, dest / src.name, half=True, also=also)
    export_generator(run / "checkpoints" / "last.safetensors", dest / "last.safetensors", half=True, also=also)
    shutil.copyfile(run / "samples" / sorted(p.name for p in (run / "samples").glob("step_*.png"))[-1],
                    HERE / name / "samples.png")
    doc = {"title": spec["title"], "command": "ganstudio train " + " ".join(spec["args"]) + f" --out runs/{name}",
           "built": time.strftime("%Y-%m-%d")}
    (HERE / name / "model.json").write_text(json.dumps(doc, indent=1) + "\n")
    if spec.get("text"):
        from trainers.generator import load_generator
        from trainers.text import tedigan as td

        gen = load_generator(dest / "last.safetensors")
        t = time.time()
        model = td.train_text_model(gen, td.training_data(gen))
        td.save_text_model(model, td.text_model_path(dest / "last.safetensors"))
        print(f"[{name}] text model trained in {time.time() - t:.0f} s", flush=True)


def check(names: list[str], samples: int = 5000) -> bool:
    from trainers.generator import load_generator
    from trainers.metrics.evaluate import Evaluator, Protocol, dataset_for
    from trainers.metrics.modes import SAMPLES as MODES_SAMPLES
    from trainers.metrics.report import bars_met, summary

    ok = True
    evaluators: dict = {}  # one per dataset as the models were trained on it (side, channels)
    for name in names:
        path = HERE / name / "checkpoints" / "last.safetensors"
        if not path.exists():
            print(f"[{name}] missing: {path}")
            ok = False
            continue
        gen = load_generator(path)
        if gen.translates or gen.can("pair-samples"):  # translation scores, or CoGAN's pairs
            from trainers.metrics.checkpoint import evaluate_checkpoint

            result = evaluate_checkpoint(path, samples=min(samples, 2000))
        else:
            cfg = gen.meta["config"]
            key = (cfg["data"], cfg.get("image_size"), cfg.get("channels"))
            if key not in evaluators:  # a stacked set's modes over the papers' 26,000 fakes (issue 40's bar)
                protocol = Protocol(samples=samples, modes_samples=MODES_SAMPLES)
                evaluators[key] = Evaluator(dataset_for(gen.meta), protocol)
                print(f"classifier for {key}: {evaluators[key].extractor.accuracy:.4f} on held-out images")
            evaluator = evaluators[key]
            result = evaluator(gen)
            if evaluator.data.labels is not None and "modes" not in result["metrics"]:  # issue 37's measure: readable
                # share and class spread, vs real (a stacked set's 1,000 numbers are counted as modes instead)
                from trainers.metrics.readable import line, readable_report

                result["readable"] = readable_report(gen, evaluator.data, evaluator.extractor)
                print(f"[{name}] {line(result['readable'])}")
        result["checkpoint"]["path"] = f"assets/models/{name}/checkpoints/last.safetensors"
        if result.get("classifier"):
            result["classifier"]["cache"] = None  # a path on the machine that measured it
        if "modes" in result["metrics"]:  # the Modes tool's map on first launch, with its clickable cells
            from trainers.metrics.checkpoint import count_modes
            from trainers.runfolder import save_eval

            count = count_modes(path)  # the papers' 26,000 fakes, as the evaluation's count above
            count["checkpoint"]["path"] = result["checkpoint"]["path"]
            save_eval(HERE / name, gen.meta["step"], count, "modes")
            print(f"[{name}] modes {count['metrics']['modes']['value']} of 1,000, KL "
                  f"{count['metrics']['modes_kl']['value']:.3f} (real {count['metrics']['modes_kl']['floor']:.3f})")
        bars = bars_met(result["metrics"])
        info = json.loads((HERE / name / "model.json").read_text())
        info.pop("quality", None)
        info["bars"] = bars
        info["eval"] = result  # the explorer's scores line shows this without computing
        (HERE / name / "model.json").write_text(json.dumps(info, indent=1) + "\n")
        print(f"[{name}] {summary(result)}")
        print(f"[{name}] bars: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in bars.items()))
        family = gen.meta["model"]["family"]
        if gen.can("truncation"):  # the truncation curve the explorer's BigGAN tool draws, without computing
            from trainers.metrics.evaluate import truncation_sweep

            sweep = truncation_sweep(gen, evaluator)
            sweep["checkpoint"] = {"path": result["checkpoint"]["path"], "step": gen.meta["step"], "family": family}
            info["truncation_sweep"] = sweep
            (HERE / name / "model.json").write_text(json.dumps(info, indent=1) + "\n")
            print(f"[{name}] truncation: " + ", ".join(
                f"ψ {'none' if r['psi'] is None else r['psi']}: acc {r['label_accuracy']:.3f} recall {r['recall']:.3f}"
                for r in sweep["rows"]))
        text_path = path.with_name("last.text.safetensors")
        if text_path.exists():  # TediGAN's figures (issue 23's bars: class ≥ 0.9, stroke / slant direction ≥ 0.85)
            from trainers.metrics.features import get_extractor
            from trainers.metrics.text import evaluate_text, table
            from trainers.text import tedigan as td

            data = dataset_for(gen.meta)
            text = evaluate_text(td.load_text_model(text_path, gen), gen, data, get_extractor(data))
            opt = text["generation"]["optimised"]
            text_bars = {"text_class_accuracy": opt["class"]["accuracy"] >= 0.9,
                         "text_width_direction": opt["width"]["direction"] >= 0.85,
                         "text_slant_direction": opt["slant"]["direction"] >= 0.85}
            info["text_eval"] = text
            info["bars"].update(text_bars)
            (HERE / name / "model.json").write_text(json.dumps(info, indent=1) + "\n")
            for line in table(text):
                print(f"[{name}] {line}")
            ok &= all(text_bars.values())
        key = {"dcgan": "fid_ratio", "cgan": "label_accuracy", "infogan": "code_accuracy",
               "biggan": "label_accuracy", "pix2pix": "psnr_gain", "cyclegan": "cycle_l1", "unit": "cycle_l1",
               "cogan": "class_agreement", "srgan": "sr_psnr_gain", "progan": "fid_ratio",
               "stylegan": "fid_ratio", "r3gan": "modes"}.get(family)
        ok &= bars.get(key, True)
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", action="append", choices=sorted(MODELS), help="rebuild just this one (repeatable)")
    ap.add_argument("--check", action="store_true", help="only measure the models already in assets/models")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--work", help="where the full runs go (default: a temp folder); a run already there "
                    "(trained earlier with the same command) is exported without training again")
    args = ap.parse_args()
    names = args.only or list(MODELS)
    if not args.check:
        work = Path(args.work or tempfile.mkdtemp(prefix="ganstudio-bundle-"))
        for name in names:
            done = work / name / "checkpoints" / "last.safetensors"
            if done.exists() and _finished(done, MODELS[name]):
                print(f"[{name}] using the finished run in {work / name}")
                run = work / name
            else:
                run = train(name, MODELS[name], work, args.device)
            export(name, MODELS[name], run)
    return 0 if check(names) else 1


if __name__ == "__main__":
    sys.exit(main())
