"""A client for Statistics Denmark's StatBank API (https://api.statbank.dk/v1).

    client = DstClient()
    info = client.tableinfo("AUP02")
    fetched = client.data("AUP02", {"OMRÅDE": ["*"], "ALDER": ["16-24"]}, since="2007M01")
    fetched.frame        # tidy: one column per variable (codes), TID, INDHOLD (float)

Requests are JSON POST bodies with ``table``, ``format``, ``lang`` and ``variables``. Data comes
as BULK (streamed CSV, ``;``-separated, decimal comma), which has no size limit but needs values
for every variable: variables not given get their total ("I alt") value, or an error says which
to choose. Requested codes are checked against the table's metadata first, so a wrong code is
reported with the valid ones. Errors show DST's own message.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx
import pandas as pd
from evaltools.errors import DataError, InputError

DEFAULT_BASE_URL = "https://api.statbank.dk/v1"
TOTAL_TEXTS = ("i alt", "total", "hele landet", "all denmark", "alder i alt", "age, total", "køn i alt")
RETRY_STATUS = {429, 500, 502, 503, 504}


class DstError(DataError):
    """Base class: anything that went wrong talking to DST."""


class DstApiError(DstError):
    """DST answered with an error; ``message`` is DST's own text."""

    def __init__(self, status: int, message: str, code: str | None = None, table: str | None = None):
        self.status, self.message, self.code, self.table = status, message, code, table
        hint = ""
        lowered = message.lower()
        if "1.000.000" in message or "1,000,000" in message or "for stor" in lowered or "too large" in lowered:
            hint = " Use format='BULK' (evaltools uses it by default) or select fewer values."
        label = f" {code}" if code else ""
        where = f" for table {table}" if table else ""
        super().__init__(f"DST StatBank refused the request{where} (HTTP {status}{label}): {message}{hint}")


class DstQueryError(DstError, InputError):
    """The query does not fit the table (checked against its metadata before asking for data): the
    user's input is wrong, so the CLI exits 2 as for other input errors."""

    exit_code = InputError.exit_code


class DstConnectionError(DstError):
    """DST could not be reached (network, timeout) after the retries."""


@dataclass(frozen=True)
class Variable:
    id: str
    text: str
    elimination: bool
    time: bool
    values: tuple[tuple[str, str], ...]

    @property
    def codes(self) -> list[str]:
        return [v[0] for v in self.values]

    def total_code(self) -> str | None:
        """The value meaning 'all' (I alt / Total / Hele landet), if the variable has one.

        DST also names totals after the variable ("Afgørelsestype i alt", code 000); such a name
        counts only on the first value, since later ones are subtotals ("Straffelov i alt").
        """
        for code, text in self.values:
            if text.strip().lower() in TOTAL_TEXTS or code.upper() in ("TOT", "IALT"):
                return code
        if self.values and self.values[0][1].strip().lower().endswith((" i alt", ", total")):
            return self.values[0][0]
        return None


@dataclass(frozen=True)
class TableInfo:
    id: str
    text: str
    unit: str
    updated: str
    variables: tuple[Variable, ...]

    def variable(self, name: str) -> Variable:
        """Look a variable up by id, case- and accent-tolerantly (omraade finds OMRÅDE)."""
        from evaltools.kommuner import slugify

        for v in self.variables:
            if v.id.lower() == name.lower() or slugify(v.id) == slugify(name):
                return v
        raise DstQueryError(f"table {self.id} has no variable '{name}'; it has: {', '.join(v.id for v in self.variables)}")

    @property
    def time_variable(self) -> Variable:
        return next(v for v in self.variables if v.time)

    @classmethod
    def from_json(cls, data: dict) -> TableInfo:
        variables = tuple(
            Variable(v["id"], v.get("text", ""), bool(v.get("elimination", False)), bool(v.get("time", False)),
                     tuple((str(x["id"]), str(x.get("text", ""))) for x in v.get("values", [])))
            for v in data.get("variables", [])
        )
        return cls(data["id"], data.get("text", ""), data.get("unit", ""), str(data.get("updated", "")), variables)


@dataclass
class Fetched:
    """A data pull: the tidy frame, the query that made it, and when it was fetched (the vintage)."""

    table: str
    frame: pd.DataFrame
    query: dict
    fetched_at: str
    url: str
    info: TableInfo | None = field(default=None, repr=False)


def parse_bulk(text: str) -> pd.DataFrame:
    """DST's BULK/CSV body: optional BOM, ``;``-separated, decimal comma, '..' for missing values."""
    text = text.lstrip("\ufeff")
    df = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
    df.columns = [c.strip() for c in df.columns]
    if "INDHOLD" not in df.columns:
        raise DstError(f"unexpected DST response: no INDHOLD column (columns: {', '.join(df.columns)})")
    values = df["INDHOLD"].str.strip().str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    df["INDHOLD"] = pd.to_numeric(values.replace({"": None}), errors="coerce")
    return df


def parse_jsonstat(data: dict) -> pd.DataFrame:
    """DST's JSONSTAT body as the same tidy frame as :func:`parse_bulk`: one column of codes per
    dimension (time as TID, the one-value ContentsCode left out), INDHOLD (float, NaN if missing)."""
    try:
        ds = data["dataset"]
        dims, sizes = ds["dimension"]["id"], ds["dimension"]["size"]
        values = ds["value"]
        time_dims = set(ds["dimension"].get("role", {}).get("time", []))
        codes = []
        for d in dims:
            index = ds["dimension"][d]["category"]["index"]
            codes.append(list(index) if isinstance(index, list) else sorted(index, key=index.get))
    except (KeyError, TypeError) as exc:
        raise DstError(f"unexpected DST JSONSTAT response: no {exc} in it") from None
    grid = pd.MultiIndex.from_product(codes, names=dims).to_frame(index=False)
    if isinstance(values, dict):  # JSON-stat allows a sparse {position: value} object
        values = [values.get(str(i)) for i in range(len(grid))]
    if len(grid) != len(values) or [len(c) for c in codes] != list(sizes):
        raise DstError(f"unexpected DST JSONSTAT response: {len(values)} values for dimensions of sizes {sizes}")
    grid["INDHOLD"] = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
    grid = grid.rename(columns={d: "TID" for d in time_dims})
    return grid.drop(columns=[d for d, n in zip(dims, sizes) if d == "ContentsCode" and n == 1])


def _period_key(period: str) -> str:
    return period.upper().replace("K", "Q")


class DstClient:
    """StatBank API client with timeouts, retries with back-off and clear errors."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), transport=transport,
                                  headers={"User-Agent": "evaltools (+https://pypi.org/project/evaltools)"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DstClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- transport ---------------------------------------------------------------------------
    def _post(self, endpoint: str, body: dict, table: str | None = None) -> httpx.Response:
        url = f"{self.base_url}/{endpoint}"
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            try:
                response = self._http.post(url, json=body)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = exc
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in RETRY_STATUS or attempt == self.retries:
                    raise _api_error(response, table)
                last = _api_error(response, table)
            if attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
        if isinstance(last, DstApiError):
            raise last
        raise DstConnectionError(
            f"could not reach DST StatBank at {url} after {self.retries + 1} tries ({type(last).__name__}: {last}); "
            "check the network, or use cached data (evaltools data list)"
        ) from last

    # -- endpoints ---------------------------------------------------------------------------
    def tableinfo(self, table: str, lang: str = "da") -> TableInfo:
        response = self._post("tableinfo", {"table": table, "format": "JSON", "lang": lang}, table)
        return TableInfo.from_json(response.json())

    def build_query(self, info: TableInfo, variables: dict[str, list[str] | str], since: str | None = None) -> list[dict]:
        """Every variable with values (BULK needs all): given ones checked, others set to their total."""
        chosen: dict[str, list[str]] = {}
        for name, values in variables.items():
            var = info.variable(name)
            vals = [values] if isinstance(values, str) else [str(v) for v in values]
            if vals == ["*"]:
                vals = var.codes  # the query names the codes it gets: the cache records exactly what was asked
            unknown = [v for v in vals if v != "*" and v not in var.codes]
            if unknown:
                sample = ", ".join(f"{c} ({t})" for c, t in var.values[:12])
                raise DstQueryError(f"{info.id}.{var.id} has no value {', '.join(unknown)}; valid values include: {sample}")
            chosen[var.id] = vals
        time_var = info.time_variable
        if since is not None:
            # quarters are 2007K1 in Danish and 2007Q1 in English responses
            codes = [c for c in time_var.codes if _period_key(c) >= _period_key(since)]
            if not codes:
                raise DstQueryError(f"{info.id} has no periods from {since}; it covers {time_var.codes[0]}-{time_var.codes[-1]}")
            chosen[time_var.id] = codes
        missing = []
        for var in info.variables:
            if var.id in chosen:
                continue
            if var.time:
                chosen[var.id] = var.codes
            elif (total := var.total_code()) is not None:
                chosen[var.id] = [total]
            else:
                missing.append(var.id)
        if missing:
            raise DstQueryError(f"the BULK format needs values for every variable; choose values for: {', '.join(missing)} "
                                "(e.g. --var NAME='*' for all)")
        return [{"code": var.id, "values": chosen[var.id]} for var in info.variables]

    def data(
        self,
        table: str,
        variables: dict[str, list[str] | str] | None = None,
        *,
        since: str | None = None,
        lang: str = "da",
        format: str = "BULK",
    ) -> Fetched:
        """Fetch data as a tidy DataFrame of codes (BULK by default; CSV and JSONSTAT also read)."""
        fmt = format.upper()
        if fmt not in ("BULK", "CSV", "JSONSTAT"):
            raise DstQueryError(f"format '{format}' is not supported here; use BULK (default), CSV or JSONSTAT")
        info = self.tableinfo(table, lang)
        query = self.build_query(info, variables or {}, since)
        body = {"table": table, "format": format, "lang": lang, "valuePresentation": "Code", "variables": query}
        response = self._post("data", body, table)
        if fmt == "JSONSTAT":
            frame = parse_jsonstat(response.json())
        else:
            frame = parse_bulk(response.content.decode("utf-8-sig"))
        fetched_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        return Fetched(table, frame, body, fetched_at, f"{self.base_url}/data", info)


def _api_error(response: httpx.Response, table: str | None) -> DstApiError:
    """DST's error body is JSON with a message (and an error type code); fall back to the text."""
    message, code = response.text.strip() or response.reason_phrase, None
    try:
        data = response.json()
    except (json.JSONDecodeError, ValueError):
        data = None
    if isinstance(data, dict):
        message = str(data.get("message") or data.get("Message") or message)
        code = data.get("errorTypeCode")
    return DstApiError(response.status_code, message, code, table)
