"""TediGAN's text → image pieces (``tedigan.py``: training and drawing; ``textfile.py``: the stored model;
``captions.py``: the captions). Defaults the app shows live here, torch-free, so the window opens without
loading PyTorch."""

W_WEIGHT = 0.5  # λ_w: how strongly a text edit keeps the styles near where it started
STEPS = {"clip": 1200, "inverter": 1200, "mapper": 800}  # default training steps of each part
