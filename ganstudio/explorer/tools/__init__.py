"""The explorer's tools, one file each: a tool is the controls on the left (the widget) and a view beside the
current sample (``tool.view``); see ``explorer/common.py`` for the ``Tool`` base class."""
