"""Reading a rendered PDF as the tests do: its text as a reader gets it, its structure tree."""

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
