"""The Training tab's widgets, one per concern: curves, sample grid, run list, run setup, status, messages,
scores, help and the export dialogs. The Explorer and Playground tabs have packages of their own
(``explorer/``, ``playground/``); threads live in ``workers/``."""
