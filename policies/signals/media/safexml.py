"""Parsing untrusted XML found inside media files, with the limits every reader shares.

defusedxml refuses DTDs and entity declarations (billion laughs, external entities); the tree
builder refuses documents nested deeper than ``MAX_XML_DEPTH``; the caller bounds the size.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from heedful.policies.diagnostics import Diagnostic, Severity
from heedful.policies.signals.media.signals import MAX_XML_DEPTH, diagnostic


class _TooDeep(Exception):
    """Raised inside the tree builder to stop a hostile document early."""


class _Builder(TreeBuilder):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self.depth += 1
        if self.depth > MAX_XML_DEPTH:
            raise _TooDeep
        return super().start(tag, attrs)

    def end(self, tag: str) -> Element:
        self.depth -= 1
        return super().end(tag)


def parse_xml(data: bytes, *, kind: str, what: str, out: list[Diagnostic]) -> Element | None:
    """The root of ``data``, or None with an error diagnostic naming ``what`` was unreadable."""
    parser = DefusedXMLParser(target=_Builder(), forbid_dtd=True)
    try:
        parser.feed(data)
        root: Element = parser.close()
    except _TooDeep:
        msg = f"{what} nested deeper than {MAX_XML_DEPTH} elements; not read"
        out.append(diagnostic(kind, f"{kind}-too-deep", msg, severity=Severity.ERROR))
        return None
    except DefusedXmlException as exc:
        msg = f"forbidden XML construct in {what} ({type(exc).__name__}); not read"
        out.append(diagnostic(kind, f"{kind}-forbidden-xml", msg, severity=Severity.ERROR))
        return None
    except (ParseError, ValueError, RecursionError, LookupError) as exc:
        msg = f"{what} is not well-formed XML ({str(exc)[:120]}); not read"
        out.append(diagnostic(kind, f"{kind}-not-well-formed", msg, severity=Severity.ERROR))
        return None
    return root
