"""GAN Studio: the desktop app. It drives ``trainers`` and never re-implements training.

Where things live: ``app.py`` starts it; ``main_window.py`` is the window's chrome (menus, actions, tabs,
status, settings) and ``switchboard.py`` routes the runs (``session.py``, ``rundata.py``) to the panels;
``panels/`` holds the Training tab's widgets, ``explorer/`` and ``playground/`` the other two tabs;
``workers/`` every thread."""

__version__ = "0.1.0"
