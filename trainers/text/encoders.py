"""The small networks of GAN Studio's TediGAN: a text encoder, an image encoder, the contrastive loss that ties
them (a CLIP of the project's own), the image → w inversion encoder and the text → w mapper.

- ``TextEncoder``: token ids → word embeddings → a bidirectional GRU → the mean of its outputs over the words →
  a dense layer to ``dim`` values. Order matters to a GRU ("slanted left" is not "left, slanted ...").
- ``ImageEncoder``: three 3×3 convs of stride 2 (LeakyReLU 0.2) → dense → LeakyReLU → dense to ``dim``.
  The same design, with ``w_dim`` outputs, is the inversion encoder E: image → w.
- ``contrastive_loss``: CLIP's symmetric cross-entropy over the batch's text × image cosine similarities, with
  *several* right answers per row: a caption such as "a thick seven" is true of every thick seven in the batch,
  not only of the image it was written for, so each row's target spreads evenly over the images the caption is
  true of (and each column's over the captions true of its image). With one-hot targets the loss would push
  apart a caption and the images it describes correctly.
- ``TextMapper``: the text embedding → w (TediGAN's visual-linguistic module, text side): trained to land where
  the inversion encoder puts real images the caption describes.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .captions import MAX_TOKENS, PAD, VOCAB


class TextEncoder(nn.Module):
    def __init__(self, dim: int = 64, words: int = len(VOCAB), hidden: int = 64):
        super().__init__()
        self.embed = nn.Embedding(words, hidden, padding_idx=PAD)
        self.gru = nn.GRU(hidden, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, dim)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """(N, L) ids, 0-padded → (N, dim)."""
        lengths = (tokens != PAD).sum(1).clamp_min(1)
        tokens = tokens[:, :int(lengths.max())]
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(tokens), lengths.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        h, _ = nn.utils.rnn.pad_packed_sequence(self.gru(packed)[0], batch_first=True, total_length=tokens.shape[1])
        return self.out(h.sum(1) / lengths[:, None].to(h.dtype))  # padding rows of h are zeros


class ImageEncoder(nn.Module):
    def __init__(self, channels: int, dim: int = 64, width: int = 32):
        super().__init__()
        w = width
        self.convs = nn.Sequential(
            nn.Conv2d(channels, w, 3, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(w, 2 * w, 3, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1), nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(4), nn.Flatten())
        self.head = nn.Sequential(nn.Linear(4 * w * 16, 4 * w), nn.LeakyReLU(0.2), nn.Linear(4 * w, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, S, S) in [-1, 1] → (N, dim)."""
        return self.head(self.convs(x))


class Clip(nn.Module):
    """Text and image encoders into one space of ``dim`` values, compared by cosine similarity."""

    def __init__(self, channels: int, dim: int = 64):
        super().__init__()
        self.text = TextEncoder(dim)
        self.image = ImageEncoder(channels, dim)
        self.log_scale = nn.Parameter(torch.tensor(math.log(10.0)))

    def embed_text(self, tokens: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.text(tokens), dim=-1)

    def embed_image(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.image(x), dim=-1)

    def logits(self, t: torch.Tensor, i: torch.Tensor) -> torch.Tensor:
        """Scaled cosine similarities (N_text, N_image) of normalised embeddings."""
        return self.log_scale.clamp(max=math.log(100.0)).exp() * t @ i.T


def contrastive_loss(logits: torch.Tensor, match: torch.Tensor) -> torch.Tensor:
    """Symmetric cross-entropy with spread targets: ``match`` (N_text, N_image) says which caption is true of
    which image (its diagonal at least); each row's target is uniform over its true images, each column's over
    its true captions. With ``match`` the identity this is CLIP's loss exactly."""
    m = match.float()
    t2i = -(m / m.sum(1, keepdim=True) * logits.log_softmax(1)).sum(1).mean()
    i2t = -(m / m.sum(0, keepdim=True) * logits.log_softmax(0)).sum(0).mean()
    return (t2i + i2t) / 2


class TextMapper(nn.Module):
    """Text embedding (``dim``) → w (``w_dim``): three dense layers."""

    def __init__(self, dim: int, w_dim: int, hidden: int = 256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden),
                                 nn.LeakyReLU(0.2), nn.Linear(hidden, w_dim))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.net(t)


__all__ = ["Clip", "ImageEncoder", "MAX_TOKENS", "TextEncoder", "TextMapper", "contrastive_loss"]
