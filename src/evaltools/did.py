"""Difference-in-differences by OLS (statsmodels), returning a tidy result object."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import statsmodels.api as sm

DID_TERM = "treated:post"


@dataclass
class DidResult:
    """The DiD coefficient and its classical, robust or clustered inference.

    ``model`` is the fitted statsmodels results object for everything else.
    """

    model: object = field(repr=False)
    term: str
    n_obs: int
    cov_label: str
    fixed_effects: tuple[str, ...] = ()

    @property
    def estimate(self) -> float:
        return float(self.model.params[self.term])

    @property
    def std_error(self) -> float:
        return float(self.model.bse[self.term])

    @property
    def t_stat(self) -> float:
        return float(self.model.tvalues[self.term])

    @property
    def p_value(self) -> float:
        return float(self.model.pvalues[self.term])

    def conf_int(self, alpha: float = 0.05) -> tuple[float, float]:
        low, high = self.model.conf_int(alpha=alpha).loc[self.term]
        return float(low), float(high)

    def tidy(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per coefficient (fixed effects left out), like broom::tidy."""
        ci = self.model.conf_int(alpha=alpha)
        terms = [t for t in self.model.params.index if not t.startswith(("unit[", "time["))]
        return pd.DataFrame(
            {
                "term": terms,
                "estimate": self.model.params[terms].to_numpy(),
                "std_error": self.model.bse[terms].to_numpy(),
                "statistic": self.model.tvalues[terms].to_numpy(),
                "p_value": self.model.pvalues[terms].to_numpy(),
                "conf_low": ci.loc[terms, 0].to_numpy(),
                "conf_high": ci.loc[terms, 1].to_numpy(),
            }
        )

    def summary(self) -> str:
        low, high = self.conf_int()
        fe = f", fixed effects: {' + '.join(self.fixed_effects)}" if self.fixed_effects else ""
        lines = [
            f"Difference-in-differences ({self.cov_label} standard errors{fe})",
            f"  estimate   {self.estimate:14.4f}",
            f"  std. error {self.std_error:14.4f}",
            f"  p-value    {self.p_value:14.4f}",
            f"  95% CI     [{low:.4f}, {high:.4f}]",
            f"  n obs      {self.n_obs:14d}",
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _indicator(data: pd.DataFrame, column: str) -> pd.Series:
    values = data[column]
    uniq = set(pd.unique(values.dropna()))
    if not uniq <= {0, 1, True, False}:
        raise ValueError(f"column '{column}' must be 0/1 or boolean, found values {sorted(uniq)[:5]}")
    return values.astype(float)


def fit_did(
    data: pd.DataFrame,
    *,
    outcome: str,
    treated: str,
    post: str,
    controls: Sequence[str] = (),
    unit: str | None = None,
    time: str | None = None,
    cluster: str | None = None,
    weights: str | None = None,
) -> DidResult:
    """Fit ``outcome ~ treated + post + treated:post + controls`` by OLS (WLS with ``weights``).

    With ``unit`` and ``time`` the main effects are replaced by unit and time fixed effects
    (two-way fixed effects). ``cluster`` gives cluster-robust errors by that column; otherwise the
    errors are classical OLS errors. Rows with a missing value in any used column are dropped.
    """
    if (unit is None) != (time is None):
        raise ValueError("give both unit and time for two-way fixed effects, or neither")
    used = [outcome, treated, post, *controls]
    used += [c for c in (unit, time, cluster, weights) if c is not None]
    missing = [c for c in dict.fromkeys(used) if c not in data.columns]
    if missing:
        raise KeyError(f"columns not in data: {', '.join(missing)}")
    df = data[list(dict.fromkeys(used))].dropna()
    if df.empty:
        raise ValueError("no complete rows to fit")

    d, p = _indicator(df, treated), _indicator(df, post)
    X = pd.DataFrame({DID_TERM: d * p}, index=df.index)
    fixed_effects: tuple[str, ...] = ()
    if unit is None:
        X.insert(0, "post", p)
        X.insert(0, "treated", d)
    for c in controls:
        X[c] = df[c].astype(float)
    if unit is not None:
        fe = [
            pd.get_dummies(df[unit], prefix="unit", prefix_sep="[", drop_first=True, dtype=float),
            pd.get_dummies(df[time], prefix="time", prefix_sep="[", drop_first=True, dtype=float),
        ]
        X = pd.concat([X, *fe], axis=1)
        fixed_effects = (unit, time)
    X.insert(0, "const", 1.0)

    y = df[outcome].astype(float)
    model = sm.WLS(y, X, weights=df[weights]) if weights else sm.OLS(y, X)
    if cluster is not None:
        res = model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(df[cluster])[0]})
        label = f"cluster-robust by {cluster}"
    else:
        res = model.fit()
        label = "classical OLS"
    return DidResult(model=res, term=DID_TERM, n_obs=int(res.nobs), cov_label=label, fixed_effects=fixed_effects)
