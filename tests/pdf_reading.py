"""Reading a rendered PDF as the tests do: its text as a reader gets it, its structure tree, and
what `pdfua check` finds."""

import re

import pikepdf


def flat(text: str) -> str:
    """Join words hyphenated at a line end (U+2010), read other U+2010 as "-", collapse whitespace.

    pypdf ignores /ActualText, where Typst keeps the "-" of a typed hyphen whose glyph is also used
    for hyphenation; pdftotext and screen readers read "-" there.
    """
    text = re.sub("\u2010\\s*\n", "", text).replace("\u2010", "-")
    return re.sub(r"\s+", " ", text)


def struct_elements(pdf: pikepdf.Pdf) -> list:
    """All structure elements of a tagged PDF, depth first."""
    out, stack = [], [pdf.Root.StructTreeRoot]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                out.append(node)
            kids = node.get("/K")
            if isinstance(kids, pikepdf.Array):
                stack.extend(reversed(list(kids)))
            elif isinstance(kids, pikepdf.Dictionary):
                stack.append(kids)
    return out


def marks_content(node) -> bool:
    """True if a structure element reaches page content: an MCID (integer), a marked-content
    reference, or a descendant that does."""
    if not isinstance(node, pikepdf.Dictionary):
        return False
    kids = node.get("/K")
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    for kid in kids:
        if isinstance(kid, int):
            return True
        if isinstance(kid, pikepdf.Dictionary) and (kid.get("/Type") == pikepdf.Name("/MCR") or marks_content(kid)):
            return True
    return False


def empty_headings(pdf: pikepdf.Pdf) -> list[str]:
    """The heading elements (/H1-/H6) with no text under them, by role.

    pdfua's own rule for this (UA-14-001) is skipped on our PDFs: pdfua 0.1.3 probes an array /K
    for ``is_integer`` and pikepdf raises, so `pdfua check` reports it "not evaluated"."""
    return [str(e.S) for e in struct_elements(pdf) if re.fullmatch(r"/H\d", str(e.S)) and not marks_content(e)]


# pdfua rules that cannot run on our PDFs, and why; empty_headings() checks the first one itself
PDFUA_SKIPS_KNOWN = {"UA-14-001": "pdfua 0.1.3 probes an array /K for is_integer and pikepdf raises"}


def pdfua_findings(path) -> list[tuple[str, str]]:
    """`pdfua check`'s findings as (rule, message). A rule pdfua could not evaluate fails the test
    unless it is known: "no findings" must not quietly mean "not checked"."""
    from pdfua import validate

    report = validate(str(path))
    skipped = {o.rule_id: o.skipped_reason for o in report.skipped}
    assert set(skipped) <= set(PDFUA_SKIPS_KNOWN), skipped
    return [(f.rule_id, f.message) for f in report.findings]
