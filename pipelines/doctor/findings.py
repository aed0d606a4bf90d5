"""What `doctor` reports: one finding per line, and the exit code they add up to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["ok", "warn", "fail", "skip"]
_MARKS = {"ok": "ok  ", "warn": "WARN", "fail": "FIX ", "skip": "skip"}


@dataclass(frozen=True)
class Finding:
    """One check's outcome; `message` is one line saying what is wrong and what to do."""

    severity: Severity
    check: str
    message: str

    def line(self) -> str:
        """The finding as one printable line (no newline inside, whatever the message)."""
        text = " ".join(self.message.split())
        return f"[{_MARKS[self.severity]}] {self.check}: {text}"


@dataclass
class DoctorReport:
    """Every finding, and the metered DingTalk calls the checks spent."""

    findings: list[Finding] = field(default_factory=list)
    metered_calls: int = 0
    unmetered_calls: int = 0

    def add(self, severity: Severity, check: str, message: str) -> Finding:
        finding = Finding(severity, check, message)
        self.findings.append(finding)
        return finding

    @property
    def problems(self) -> list[Finding]:
        """Findings that must be fixed (`fail`)."""
        return [finding for finding in self.findings if finding.severity == "fail"]

    @property
    def exit_code(self) -> int:
        """0 when nothing must be fixed, 1 otherwise (warnings do not fail)."""
        return 1 if self.problems else 0

    def as_dict(self) -> dict[str, object]:
        """The report for `doctor --json`: every finding, the problem count, the calls spent."""
        return {
            "findings": [
                {"severity": f.severity, "check": f.check, "message": " ".join(f.message.split())}
                for f in self.findings
            ],
            "problems": len(self.problems),
            "metered_calls": self.metered_calls,
            "unmetered_calls": self.unmetered_calls,
        }

    def lines(self) -> list[str]:
        """The findings, then a summary line with the calls spent."""
        summary = (
            f"{len(self.problems)} problem(s) to fix; doctor spent {self.metered_calls} metered "
            f"and {self.unmetered_calls} unmetered DingTalk call(s)."
        )
        return [finding.line() for finding in self.findings] + [summary]
