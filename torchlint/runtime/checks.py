"""Value checks on real tensors: a few device-side reductions over at most `rows` rows.

`stats()` only queues device work (no `.item()`, no `bool(tensor)`), so on CUDA it never
synchronises; the watcher copies the 4 numbers to pinned host memory without blocking and reads
them when an event says they are ready (or at `close()`). On CPU the numbers are simply read.
"""

from __future__ import annotations

import math

import torch

# Statistics vector layout.
MIN, MAX, ROWSUM_DEV, LSE_DEV = range(4)
N_STATS = 4

PROB_EPS = 1e-6  # slack on the [0, 1] bounds
ROWSUM_TOL = 1e-2  # |sum over classes - 1| for probabilities (bf16/fp16 need about this much)
LSE_TOL = 0.1  # |logsumexp over classes| far from 0 means "not log-probabilities"


def class_dim(x: torch.Tensor) -> int:
    """The class dim of a (C,), (N, C) or (N, C, d1, ...) loss input."""
    return 0 if x.ndim == 1 else 1


def stats(x: torch.Tensor, cdim: int, rows: int) -> torch.Tensor | None:
    """[min, max, max |row sum - 1|, max |logsumexp|] over the first `rows` rows, on x's device."""
    if x.numel() == 0 or not x.is_floating_point():
        return None
    t = x.detach()
    if t.ndim >= 2 and cdim != 0:
        t = t[:rows]
    t = t.float()
    low, high = torch.aminmax(t)
    rowsum = (t.sum(cdim) - 1).abs().amax()
    lse = torch.logsumexp(t, cdim).abs().amax()
    return torch.stack([low, high, rowsum, lse])


def looks_like_probabilities(values: list[float], classes: int) -> bool:
    low, high, rowsum = values[MIN], values[MAX], values[ROWSUM_DEV]
    return classes > 1 and low >= -PROB_EPS and high <= 1 + PROB_EPS and rowsum <= ROWSUM_TOL


def looks_like_logits(values: list[float]) -> bool:
    """Not log-probabilities: some entry is positive, or rows do not logsumexp to 0."""
    high, lse = values[MAX], values[LSE_DEV]
    if math.isnan(high) or math.isnan(lse):
        return False
    return high > 1e-4 or lse > LSE_TOL


def nonnegative_bounded(values: list[float]) -> bool:
    """All in [0, 1] and not all zero: probabilities, not log-probabilities."""
    low, high = values[MIN], values[MAX]
    return low >= -PROB_EPS and 0 < high <= 1 + PROB_EPS


def outside_unit_interval(values: list[float]) -> bool:
    low, high = values[MIN], values[MAX]
    return low < -PROB_EPS or high > 1 + PROB_EPS


def describe(values: list[float]) -> str:
    return (
        f"min {values[MIN]:.3g}, max {values[MAX]:.3g}, max |row sum - 1| {values[ROWSUM_DEV]:.3g}, "
        f"max |logsumexp| {values[LSE_DEV]:.3g}"
    )
