"""What one generated input did, and the tally over a fuzzing run."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

ACCEPTED, REFUSED = "accepted", "refused"
SERVER_ERROR = "server_error"  # a 5xx answer, or an exception escaping the code under test
PARTIAL_WRITE = "partial_write"  # a refusal that changed a row, or a write beyond the expected
UNCLEAR_ERROR = "unclear_error"  # a refusal that does not say where (row/column) or what
WRONG_DATA = "wrong_data"  # accepted, but what was stored is not what was sent
FAILURES = (SERVER_ERROR, PARTIAL_WRITE, UNCLEAR_ERROR, WRONG_DATA)


@dataclass(frozen=True)
class Outcome:
    """The verdict on one input, with a word on why when it is a failure."""

    kind: str
    detail: str = ""

    @property
    def failed(self) -> bool:
        """Whether this input broke a promise."""
        return self.kind in FAILURES


@dataclass
class Tally:
    """Inputs and verdicts per target, and the first few failures of each kind."""

    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    examples: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))

    def record(self, target: str, outcome: Outcome, shown: str = "") -> None:
        """Count one input's outcome."""
        self.counts[target][outcome.kind] += 1
        if outcome.failed and len(self.examples[target, outcome.kind]) < 3:
            self.examples[target, outcome.kind].append(f"{outcome.detail} <- {shown[:300]}")

    def inputs(self, target: str | None = None) -> int:
        """Inputs tried, for one target or all."""
        targets = [target] if target else list(self.counts)
        return sum(sum(self.counts[t].values()) for t in targets)

    def failures(self, kind: str) -> int:
        """Inputs of one failure kind over all targets."""
        return sum(c[kind] for c in self.counts.values())

    def report(self) -> str:
        """A table of inputs, acceptances, refusals and failures per target."""
        lines = [f"{'target':<44} {'inputs':>7} {'accepted':>9} {'refused':>8} "
                 f"{'5xx':>5} {'partial':>8} {'unclear':>8} {'wrong':>6}"]
        for target, c in self.counts.items():
            lines.append(
                f"{target:<44} {sum(c.values()):>7,} {c[ACCEPTED]:>9,} {c[REFUSED]:>8,} "
                f"{c[SERVER_ERROR]:>5} {c[PARTIAL_WRITE]:>8} {c[UNCLEAR_ERROR]:>8} "
                f"{c[WRONG_DATA]:>6}"
            )
        lines.append(
            f"{'total':<44} {self.inputs():>7,} "
            f"{sum(c[ACCEPTED] for c in self.counts.values()):>9,} "
            f"{sum(c[REFUSED] for c in self.counts.values()):>8,} "
            f"{self.failures(SERVER_ERROR):>5} {self.failures(PARTIAL_WRITE):>8} "
            f"{self.failures(UNCLEAR_ERROR):>8} {self.failures(WRONG_DATA):>6}"
        )
        for (target, kind), shown in self.examples.items():
            for line in shown:
                lines.append(f"  {target} {kind}: {line}")
        return "\n".join(lines)
