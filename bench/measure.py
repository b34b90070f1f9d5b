"""Timings, figures with their spread, targets and checks — the vocabulary every suite reports in."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of the samples."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Target:
    """``limit`` in the figure's unit; every sample must be below it (a run over the limit is a miss,
    however good the median)."""

    limit: float
    text: str  # as the issue words it, e.g. "under 50 ms"
    on_median: bool = False  # judge the median instead of every sample (for a figure with a known first-run cost)
    on_p95: bool = False  # judge the 95th percentile (for a page's server time over many requests)
    on_p99: bool = False  # judge the 99th percentile (the tail of many deliveries, issue 20)

    def judged(self, samples: list[float]) -> float:
        if self.on_median:
            return statistics.median(samples)
        if self.on_p95:
            return percentile(samples, 95)
        if self.on_p99:
            return percentile(samples, 99)
        return max(samples)

    def met(self, samples: list[float]) -> bool:
        if not samples:
            return False
        return self.judged(samples) < self.limit


class AtLeast(Target):
    """A throughput target: the median of the runs must reach the limit."""

    def judged(self, samples: list[float]) -> float:
        return statistics.median(samples)

    def met(self, samples: list[float]) -> bool:
        return bool(samples) and self.judged(samples) >= self.limit


@dataclass
class Figure:
    name: str
    unit: str
    samples: list[float] = field(default_factory=list)
    target: Target | None = None
    note: str = ""
    higher_is_better: bool = False

    @property
    def minimum(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def maximum(self) -> float:
        return max(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def p99(self) -> float:
        return percentile(self.samples, 99)

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "PASS" if self.target.met(self.samples) else "FAIL"


@dataclass
class Check:
    """A yes/no property of the measured code (e.g. "no sequential scan on work orders")."""

    name: str
    passed: bool
    detail: str = ""

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"


@dataclass
class Block:
    """A titled code block (an EXPLAIN plan, a command's output).

    ``raw``: a dump (a command's output run by run, a per-request listing, a repeat of a plan already shown) that
    only the full report of the run carries; ``BENCHMARKS.md`` keeps the other blocks (plans, profiles)."""

    title: str
    text: str
    lang: str = "text"
    collapsed: bool = False
    raw: bool = False


@dataclass
class Section:
    """What a suite returns: prose, figures, checks and code blocks, rendered in this order.

    ``files``: raw tool output (wrk's, a command's), name → text, written beside the run's full report
    (``var/bench/<UTC time>/``) and named in both reports, never copied into them."""

    title: str
    intro: str = ""
    figures: list[Figure] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    duration_s: float = 0.0
    files: dict[str, str] = field(default_factory=dict)


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds``."""

    def __enter__(self) -> "Stopwatch":
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._start


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result
