"""Row header cells in a tagged PDF: what Typst cannot yet say without its ``a11y-extras`` feature.

Typst tags the cells of ``table.header`` as column headers (/TH, /Scope /Column) but every body
cell as /TD, so a table whose rows are labelled by a first ``<th scope="row">`` cell (the report's
result tables) loses its row headers, and PDF/UA checkers rightly report a table without headers.
This rewrites those cells as /TH with /Scope /Row and links the row's other cells to them.
"""

from __future__ import annotations

import io

import pikepdf


def _kids(node) -> list:
    kids = node.get("/K")
    if isinstance(kids, pikepdf.Array):
        return [k for k in kids if isinstance(k, pikepdf.Dictionary)]
    return [kids] if isinstance(kids, pikepdf.Dictionary) else []


def _tables(node, out: list) -> list:
    for kid in _kids(node):
        if kid.get("/S") == "/Table":
            out.append(kid)
        else:
            _tables(kid, out)
    return out


def _body_rows(table) -> list:
    rows = []
    for kid in _kids(table):
        if kid.get("/S") == "/TR":
            rows.append(kid)
        elif kid.get("/S") in ("/TBody", "/TFoot"):
            rows.extend(k for k in _kids(kid) if k.get("/S") == "/TR")
    return rows


def _table_attributes(cell) -> pikepdf.Dictionary:
    attrs = cell.get("/A")
    if isinstance(attrs, pikepdf.Dictionary):
        attrs = pikepdf.Array([attrs])
        cell.A = attrs
    elif attrs is None:
        attrs = cell.A = pikepdf.Array()
    for a in attrs:
        if isinstance(a, pikepdf.Dictionary) and a.get("/O") == "/Table":
            return a
    owned = pikepdf.Dictionary(O=pikepdf.Name.Table)
    attrs.append(owned)
    return owned


def mark_row_headers(pdf_bytes: bytes, row_headers: list[list[list[bool]]]) -> bytes:
    """Make body cells flagged True (per table, per body row, per cell) row header cells.

    ``row_headers`` lists the document's tables in reading order. If the PDF's tables do not match
    it one to one, the PDF is returned unchanged rather than mislabelled.
    """
    if not any(any(any(row) for row in table) for table in row_headers):
        return pdf_bytes
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return pdf_bytes
        tables = _tables(root, [])
        if len(tables) != len(row_headers):
            return pdf_bytes
        new_ids: list[tuple[str, pikepdf.Dictionary]] = []
        for t, (table, flags) in enumerate(zip(tables, row_headers)):
            rows = _body_rows(table)
            if len(rows) != len(flags):
                continue
            for r, (row, row_flags) in enumerate(zip(rows, flags)):
                cells = _kids(row)
                if len(cells) != len(row_flags) or not any(row_flags):
                    continue
                ids = []
                for c, (cell, is_header) in enumerate(zip(cells, row_flags)):
                    if is_header:
                        cell.S = pikepdf.Name.TH
                        _table_attributes(cell).Scope = pikepdf.Name.Row
                        ident = pikepdf.String(f"evaltools-t{t}r{r}c{c}")
                        cell.ID = ident
                        new_ids.append((str(ident), cell))
                        ids.append(ident)
                for cell, is_header in zip(cells, row_flags):
                    if not is_header:
                        attrs = _table_attributes(cell)
                        headers = attrs.get("/Headers")
                        if not isinstance(headers, pikepdf.Array):
                            headers = attrs.Headers = pikepdf.Array()
                        headers.extend(ids)
        _register_ids(pdf, root, new_ids)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def _register_ids(pdf, root, new_ids):
    """Add the new element IDs to the structure tree's ID name tree."""
    if not new_ids:
        return
    if "/IDTree" not in root:
        root.IDTree = pdf.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array()))
    names = pikepdf.NameTree(root.IDTree)
    for key, cell in new_ids:
        names[key] = cell if cell.is_indirect else pdf.make_indirect(cell)
