"""RPM spec files as data: parse, inspect and edit them the way azldev does, byte for byte.

    spec = Spec.parse(data)            # any bytes; Spec.parse(data).to_bytes() == data
    spec.sections                      # [Section(name, type, package, header, start, end)]
    spec.tags()                        # [TagLine(index, name, value, section)]
    edit.update_tag(spec, "", "Version", "2.0")   # azldev's edits; SpecEditError if refused
    spec.to_bytes()                    # after an edit: LF endings and a final newline

Nothing here evaluates macros or runs anything from a spec.
"""

from . import edit
from .document import GO_MAX_LINE, Section, Spec, TagLine
from .edit import SpecEditError
from .parse import SECTION_TYPES, SectionState, SectionType, classify, package_from_header

__all__ = [
    "GO_MAX_LINE",
    "SECTION_TYPES",
    "Section",
    "SectionState",
    "SectionType",
    "Spec",
    "SpecEditError",
    "TagLine",
    "classify",
    "edit",
    "package_from_header",
]
