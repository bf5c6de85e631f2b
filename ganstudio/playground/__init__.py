"""The Playground tab: the adversarial game on 2D (or 1D) toy data, live, as in GAN Lab.

``panel.py`` is the tab and its controls (presets, settings, transport); ``driver.py`` plays the game (the
frame timer, stepping ``trainers.playground.Playground``, scores, recording); ``view.py`` draws it;
``export.py`` writes PNGs and GIFs of the view."""
