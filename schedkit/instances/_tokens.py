"""Reading whitespace-separated numbers with the line they came from, for exact error messages."""

from __future__ import annotations

from pathlib import Path

from schedkit.errors import InstanceError


class Tokens:
    """A cursor over the tokens of a text file; every read names what it expects.

    ``comment`` drops the rest of a line after that character (JSPLIB uses ``#``).
    """

    def __init__(self, text: str, path: str | Path | None, comment: str | None = None):
        self.path = path
        self.items: list[tuple[str, int]] = []
        self.line_count = 0
        for number, line in enumerate(text.splitlines(), start=1):
            self.line_count = number
            if comment is not None and comment in line:
                line = line[: line.index(comment)]
            self.items.extend((token, number) for token in line.split())
        self.position = 0

    def error(self, message: str, line: int | None = None) -> InstanceError:
        if line is None:
            line = self.current_line()
        return InstanceError(self.path, line, message)

    def current_line(self) -> int:
        if self.position < len(self.items):
            return self.items[self.position][1]
        return max(self.line_count, 1)

    def at_end(self) -> bool:
        return self.position >= len(self.items)

    def next(self, what: str) -> tuple[str, int]:
        if self.position >= len(self.items):
            raise self.error(f"file ends early: expected {what}")
        item = self.items[self.position]
        self.position += 1
        return item

    def int(self, what: str, minimum: int | None = 0, maximum: int | None = None) -> int:
        """The next token as an integer in [minimum, maximum]."""
        token, line = self.next(what)
        try:
            value = int(token)
        except ValueError:
            raise self.error(f"expected {what} (an integer), got {token!r}", line) from None
        if minimum is not None and value < minimum:
            raise self.error(f"expected {what} >= {minimum}, got {value}", line)
        if maximum is not None and value > maximum:
            raise self.error(f"expected {what} <= {maximum}, got {value}", line)
        return value

    def number(self, what: str) -> float:
        token, line = self.next(what)
        try:
            return float(token)
        except ValueError:
            raise self.error(f"expected {what} (a number), got {token!r}", line) from None

    def line_of_next(self) -> int | None:
        return self.items[self.position][1] if self.position < len(self.items) else None

    def expect_end(self, what: str = "end of file") -> None:
        if not self.at_end():
            token, line = self.items[self.position]
            raise self.error(f"expected {what}, got extra token {token!r}", line)


def read_text(path: str | Path) -> str:
    """The file's text; a missing or binary file raises InstanceError, not OSError."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InstanceError(path, None, "no such file") from None
    except IsADirectoryError:
        raise InstanceError(path, None, "is a directory, expected an instance file") from None
    except UnicodeDecodeError:
        raise InstanceError(path, None, "not a text file (expected UTF-8 text)") from None
