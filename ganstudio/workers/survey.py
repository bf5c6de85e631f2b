"""New Run's look at a folder of images, off the GUI thread: the folder's survey (``trainers.data.folder.survey``:
a first look at 10,000 files reads every header, about 2 s) and a preview of images as the run would see them at
the size, channels and crop the form holds."""

from __future__ import annotations

from .oneshot import OneShotThread


class SurveyThread(OneShotThread):
    """``sig_result((survey, preview))``: the ``FolderSurvey`` and up to ``n`` images (k, C, S, S) uint8."""

    WHAT = "read the folder"

    def __init__(self, path: str, size: int | None, channels: int | None, crop: str, n: int = 16, parent=None):
        super().__init__(parent)
        self.path, self.size, self.channels, self.crop, self.n = path, size, channels, crop, n

    def compute(self):
        from trainers.data import folder

        found = folder.survey(self.path, progress=lambda done, total: self.progress("reading", done, total))
        images = folder.preview(self.path, self.n, self.size or found.side, self.channels or found.channels,
                                self.crop)
        return found, images
