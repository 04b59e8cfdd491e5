"""The one error type of nfvd-ha: structured messages, printed only by the CLI."""

from collections.abc import Iterable


class Problem:
    """One thing wrong: where (file, key path, line) and what."""

    __slots__ = ("file", "where", "message", "line")

    def __init__(self, message: str, file: str | None = None, where: str | None = None,
                 line: int | None = None) -> None:
        self.message, self.file, self.where, self.line = message, file, where, line

    def __str__(self) -> str:
        place = self.file or ""
        if self.line:
            place += f":{self.line}"
        if self.where:
            place += (": " if place else "") + self.where
        return f"{place}: {self.message}" if place else self.message

    def __repr__(self) -> str:
        return f"Problem({str(self)!r})"


class NfvdHaError(Exception):
    """Carries one or more problems and an optional hint for the operator."""

    def __init__(self, problems: str | Problem | Iterable[str | Problem],
                 hint: str | None = None) -> None:
        if isinstance(problems, (str, Problem)):
            problems = [problems]
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        self.hint = hint
        super().__init__("; ".join(str(p) for p in self.problems))
