"""The feedback loop (definition 10 of issue 6): does engaging with a category
make the feed show more of it?

For each platform, impressions are put in the order they were seen (time, then
rank). An *engagement event* is an impression that was clicked or whose dwell is
strictly above the person's median dwell on that platform. For an event at
position k on category c, its lift is

    share of c in impressions k+1 … k+N  −  share of c in impressions k−N … k−1

(the event itself is in neither window; events without N impressions on both
sides are skipped). Per platform and category we report the mean lift, the
percentile-bootstrap 95 % interval of the mean over events (computed exactly: lifts
are multiples of 1/N, so the bootstrap distribution of their mean is a convolution,
see :func:`bootstrap_interval`) and the event count; below
``MIN_EVENTS`` events the figure is "not enough data". A platform's
responsiveness is the engagement-weighted mean lift: the mean over all events
in its categories that have enough data, with its own bootstrap interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .impressions import Impressions

DEFAULT_WINDOW = 50
#: Below this many events the mean lift's interval is too wide to mean anything:
#: with N = 50 a single event's lift has a standard deviation around 0.07, so 20
#: events give a standard error near 0.016 — enough to tell a 5-point lift from 0.
MIN_EVENTS = 20
BOOTSTRAP_RESAMPLES = 2000
NOT_ENOUGH_DATA = "not enough data"


@dataclass(frozen=True)
class LiftEstimate:
    """Mean lift with its bootstrap 95 % interval; status "ok" or "not enough data"
    (then mean and interval are None)."""

    events: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    status: str


@dataclass(frozen=True)
class FeedbackLoop:
    """lifts[platform][category] and responsiveness[platform] as LiftEstimate."""

    lifts: dict[str, dict[str, LiftEstimate]]
    responsiveness: dict[str, LiftEstimate]
    window: int


def engagement_mask(impressions: Impressions) -> np.ndarray:
    """Engagement events of one platform: clicked, or dwell above the median dwell."""
    if len(impressions) == 0:
        return np.zeros(0, dtype=bool)
    return impressions.clicked | (impressions.dwell_ms > np.median(impressions.dwell_ms))


def event_lifts(categories: np.ndarray, engaged: np.ndarray, window: int = DEFAULT_WINDOW):
    """Lift of every engagement event with full windows, in seen order.

    Returns (event categories, lifts) as two arrays.
    """
    categories = np.asarray(categories, dtype=object)
    labels, codes = np.unique(categories.astype(str), return_inverse=True)
    known = labels != ""
    positions, lifts = coded_event_lifts(codes, known[codes], engaged, window)
    return labels[codes[positions]].astype(str), lifts


def coded_event_lifts(codes: np.ndarray, known: np.ndarray, engaged: np.ndarray, window: int = DEFAULT_WINDOW):
    """The same on small non-negative integer category codes; ``known`` marks rows
    whose category is known (unknown rows take part in windows but are never events).

    Returns (event positions, lifts).
    """
    codes = np.asarray(codes, dtype=np.int64)
    positions = np.flatnonzero(np.asarray(engaged, dtype=bool))
    positions = positions[(positions >= window) & (positions + window < codes.size)]
    positions = positions[np.asarray(known, dtype=bool)[positions]]
    event_codes = codes[positions]
    narrow = codes.astype(np.int32)  # comparisons and running counts on 4-byte ints: half the memory traffic
    after = np.zeros(positions.size, dtype=np.int32)
    before = np.zeros(positions.size, dtype=np.int32)
    seen_before = np.zeros(codes.size + 1, dtype=np.int32)  # [x] = rows of the current code before x
    by_code, sizes, ends = grouped_by_code(event_codes)
    # One running count per category that has events: a window's count is a difference of two entries.
    for code in np.flatnonzero(sizes):
        np.cumsum(narrow == code, dtype=np.int32, out=seen_before[1:])
        mine = by_code[ends[code] - sizes[code]:ends[code]]
        at = positions[mine]
        after[mine] = seen_before[at + 1 + window] - seen_before[at + 1]
        before[mine] = seen_before[at] - seen_before[at - window]
    return positions, (after - before) / window


def grouped_by_code(codes: np.ndarray, minlength: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(order, sizes, ends): ``order[ends[c] - sizes[c]:ends[c]]`` are the rows of code c, in input order."""
    codes = np.asarray(codes, dtype=np.int64)
    sizes = np.bincount(codes, minlength=minlength) if codes.size else np.zeros(minlength, dtype=np.int64)
    # A stable sort of 16-bit keys is a radix sort (linear); category codes are small.
    keys = codes.astype(np.int16) if sizes.size <= np.iinfo(np.int16).max else codes
    return np.argsort(keys, kind="stable"), sizes, np.cumsum(sizes)


def bootstrap_interval(values: np.ndarray, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0,
                       lattice: float | None = None):
    """Percentile bootstrap 95 % interval of the mean: the 2.5th and 97.5th
    percentiles of the mean of n values drawn with replacement from ``values``.

    When every value is a whole multiple of ``lattice`` (lifts are multiples of
    1/N), the percentiles are those of the *exact* bootstrap distribution (the
    limit of infinitely many resamples), see :func:`exact_lattice_percentiles`:
    no Monte Carlo error and no seed. Otherwise ``resamples`` seeded resamples
    are drawn, as multinomial counts over the distinct values (the same
    distribution as drawing n values with replacement, at O(distinct) per resample).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return None, None
    if lattice:
        steps = np.rint(values / lattice)
        if np.abs(steps * lattice - values).max() <= 1e-9 * lattice:
            steps = steps.astype(np.int64)
            counts = np.bincount(steps - steps.min())
            present = np.flatnonzero(counts)
            low, high = exact_lattice_percentiles(present + steps.min(), counts[present], (0.025, 0.975))
            return low * lattice / values.size, high * lattice / values.size
    distinct, counts = np.unique(values, return_counts=True)
    rng = np.random.default_rng(seed)
    drawn = rng.multinomial(values.size, counts / values.size, size=resamples)
    means = drawn @ distinct / values.size
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


#: Mass outside the computed span of the sum's distribution (Hoeffding bound); far below 1e-9.
_TAIL_MASS = 1e-12


def exact_lattice_percentiles(steps: np.ndarray, counts: np.ndarray, quantiles: tuple[float, ...]) -> tuple[int, ...]:
    """Quantiles of the sum S of n = Σcounts draws with replacement from integers
    ``steps`` (each present ``counts`` times): for each q the smallest s with
    P(S ≤ s) ≥ q, where P is the exact bootstrap distribution.

    S's distribution is the n-fold convolution of the values' frequencies,
    computed as the n-th power of their discrete Fourier transform. When the
    full span of S (n·range + 1 points) is long, the transform covers only the
    values within a concentration bound of the mean, outside which S falls with
    probability below 1e-12 (Hoeffding's or Bernstein's inequality), so the wrap-around of the circular transform is negligible.
    """
    steps, counts = np.asarray(steps, dtype=np.int64), np.asarray(counts, dtype=np.float64)
    n = int(counts.sum())
    low_step = int(steps.min())
    offsets = steps - low_step
    spread = int(offsets.max())
    if spread == 0:
        return tuple(n * low_step for _ in quantiles)
    full_span = n * spread + 1
    # Each draw is bounded (spread) and has the values' variance, so Bernstein's and
    # Hoeffding's inequalities both bound P(|S − E S| ≥ t); the smaller t wins.
    log_term = math.log(2 / _TAIL_MASS)
    variance = float(counts @ (offsets - offsets @ counts / n) ** 2) / n
    bernstein = spread * log_term / 3 + math.sqrt((spread * log_term / 3) ** 2 + 2 * n * variance * log_term)
    half_width = math.ceil(min(spread * math.sqrt(n * log_term / 2), bernstein))
    length = 1 << (min(full_span, 2 * half_width + 1) - 1).bit_length()  # a power of two for the FFT
    frequencies = np.bincount(offsets % length, weights=counts / n, minlength=length)
    distribution = np.clip(np.fft.irfft(_integer_power(np.fft.rfft(frequencies), n), length), 0, None)
    if length >= full_span:
        sums = np.arange(length)
    else:  # the window of sums centred on the mean, read from their residues mod length
        start = int(round(float(offsets @ counts))) - length // 2
        sums = start + np.arange(length)
        distribution = distribution[sums % length]
    cumulative = np.cumsum(distribution)
    cumulative /= cumulative[-1]
    picks = np.searchsorted(cumulative, np.asarray(quantiles) - 1e-9, side="left")
    return tuple(int(sums[min(i, length - 1)]) + n * low_step for i in picks)


def _integer_power(values: np.ndarray, exponent: int) -> np.ndarray:
    """``values ** exponent`` (exponent ≥ 1) by repeated squaring: numpy's complex power takes ~1 µs an
    element even for an integer exponent, about 50 times the ~2·log2(exponent) products used here."""
    result, base = None, values
    while True:
        if exponent & 1:
            result = base.copy() if result is None else np.multiply(result, base, out=result)
        exponent >>= 1
        if not exponent:
            return result
        base = base * base


def estimate(values: np.ndarray, min_events: int = MIN_EVENTS, seed: int = 0,
             lattice: float | None = None) -> LiftEstimate:
    """LiftEstimate of a set of event lifts ("not enough data" below min_events);
    lifts over windows of N are multiples of ``lattice`` = 1/N (see :func:`bootstrap_interval`)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size < max(min_events, 1):
        return LiftEstimate(int(values.size), None, None, None, NOT_ENOUGH_DATA)
    low, high = bootstrap_interval(values, seed=seed, lattice=lattice)
    return LiftEstimate(int(values.size), float(values.mean()), low, high, "ok")


def feedback_loop(
    impressions: Impressions,
    window: int = DEFAULT_WINDOW,
    min_events: int = MIN_EVENTS,
    seed: int = 0,
) -> FeedbackLoop:
    """The feedback-loop figures of every platform in ``impressions``."""
    sequences = {}
    for platform in sorted(set(impressions.platform.tolist())):
        seen = impressions.subset(impressions.platform == platform).sorted_by_time()
        labels, codes = np.unique(seen.category.astype(str), return_inverse=True)
        sequences[platform] = (codes, labels, seen.dwell_ms, seen.clicked)
    return feedback_from_sequences(sequences, window, min_events, seed)


def feedback_from_sequences(sequences: dict, window: int = DEFAULT_WINDOW, min_events: int = MIN_EVENTS,
                            seed: int = 0) -> FeedbackLoop:
    """The feedback loop from each platform's impressions in seen order:
    ``{platform: (codes, labels, dwell_ms, clicked)}`` with ``labels[codes]`` the
    categories ("" = unknown). The same figures as :func:`feedback_loop`."""
    lifts: dict[str, dict[str, LiftEstimate]] = {}
    responsiveness: dict[str, LiftEstimate] = {}
    for platform, (codes, labels, dwell_ms, clicked) in sorted(sequences.items()):
        labels = np.asarray(labels, dtype=object).astype(str)
        engaged = np.asarray(clicked, dtype=bool)
        if engaged.size:
            dwell = np.asarray(dwell_ms, dtype=np.float64)
            engaged = engaged | (dwell > np.median(dwell))
        codes = np.asarray(codes, dtype=np.int64)
        positions, values = coded_event_lifts(codes, labels[codes] != "", engaged, window)
        event_codes = codes[positions]
        grouped, sizes, ends = grouped_by_code(event_codes, labels.size)  # each category's lifts, in seen order
        per_code = {code: estimate(values[grouped[ends[code] - count:ends[code]]], min_events, seed, 1 / window)
                    for code, count in enumerate(sizes.tolist()) if count}
        lifts[platform] = {str(labels[code]): per_code[code] for code in sorted(per_code, key=lambda c: labels[c])}
        with_data = np.zeros(labels.size, dtype=bool)
        with_data[[code for code, found in per_code.items() if found.status == "ok"]] = True
        responsiveness[platform] = estimate(values[with_data[event_codes]], min_events, seed, 1 / window)
    return FeedbackLoop(lifts=lifts, responsiveness=responsiveness, window=window)
