"""The Explorer tab: take a trained generator apart.

``model.py`` holds what is being explored, without Qt (the state, its undo history, the open generator) and
announces changes as events; ``panel.py`` is the tab (model picker, current sample, undo, export menu);
``tools/`` has one file per tool, each subscribed to the model; ``export.py`` writes PNGs, latent files and
animations; ``latent.py`` is the state itself and the maths on generator input vectors."""
