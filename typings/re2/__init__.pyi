# Type stubs for google-re2 (the `re2` module), which ships none: only what azldrift uses.
# The pattern may be str or bytes; a match's text has the type of the text searched.
from collections.abc import Iterator
from typing import overload

class error(Exception): ...

class Options:
    max_mem: int
    posix_syntax: bool
    longest_match: bool
    log_errors: bool
    literal: bool
    never_nl: bool
    dot_nl: bool
    never_capture: bool
    case_sensitive: bool
    perl_classes: bool
    word_boundary: bool
    one_line: bool

class _Match[T: (str, bytes)]:
    def group(self, group: int | str = 0, /) -> T | None: ...
    def start(self, group: int = 0) -> int: ...
    def end(self, group: int = 0) -> int: ...
    def span(self, group: int = 0) -> tuple[int, int]: ...
    @property
    def string(self) -> T: ...

class _Regexp:
    @property
    def pattern(self) -> str | bytes: ...
    @property
    def groups(self) -> int: ...
    def search[T: (str, bytes)](
        self, text: T, pos: int | None = None, endpos: int | None = None
    ) -> _Match[T] | None: ...
    def match[T: (str, bytes)](
        self, text: T, pos: int | None = None, endpos: int | None = None
    ) -> _Match[T] | None: ...
    def fullmatch[T: (str, bytes)](
        self, text: T, pos: int | None = None, endpos: int | None = None
    ) -> _Match[T] | None: ...
    def finditer[T: (str, bytes)](
        self, text: T, pos: int | None = None, endpos: int | None = None
    ) -> Iterator[_Match[T]]: ...

def compile(pattern: str | bytes | _Regexp, options: Options | None = None) -> _Regexp: ...
@overload
def escape(pattern: str) -> str: ...
@overload
def escape(pattern: bytes) -> bytes: ...
