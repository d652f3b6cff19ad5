"""Difference-in-differences: ``fit_did`` (OLS/WLS on a long table, statsmodels) and the
closed form on gap series that the placebo tests run thousands of times.

Cluster-robust inference follows fixest/pyfixest's defaults (CRV1): the small-sample factor
G/(G-1) * (n-1)/(n-K), where K leaves out fixed effects nested in the clusters, and p-values and
intervals from the t distribution with G-1 degrees of freedom (Cameron & Miller 2015). With few
clusters even this is optimistic; ``summary`` says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


from evaltools.errors import InputError


class _Lazy:
    """statsmodels and scipy.stats load on first use: ``evaltools plan`` and ``check`` need only numpy."""

    def __init__(self, module: str):
        self._module, self._loaded = module, None

    def __getattr__(self, name: str):
        if self._loaded is None:
            from importlib import import_module

            self._loaded = import_module(self._module)
        return getattr(self._loaded, name)


sm = _Lazy("statsmodels.regression.linear_model")  # OLS and WLS; statsmodels.api loads far more
stats = _Lazy("scipy.stats")

DID_TERM = "treated:post"
FEW_CLUSTERS = 30


class DidInputError(InputError, ValueError):
    """Data that ``fit_did`` cannot fit as asked (a bad column, a missing cluster value)."""


class DidColumnError(DidInputError, KeyError):
    """A column ``fit_did`` was told to use is not in the data."""


@dataclass
class DidResult:
    """The DiD coefficient with classical or cluster-robust (CRV1, t(G-1)) inference.

    ``model`` is the fitted statsmodels results object (point estimates, classical errors).
    """

    model: object = field(repr=False)
    term: str
    n_obs: int
    cov_label: str
    fixed_effects: tuple[str, ...] = ()
    vcov: pd.DataFrame | None = field(default=None, repr=False)  # clustered covariance, when clustered
    n_clusters: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def df(self) -> float:
        """Degrees of freedom of the t reference distribution (G-1 when clustered)."""
        return float(self.n_clusters - 1) if self.n_clusters else float(self.model.df_resid)

    def _se(self) -> pd.Series:
        if self.vcov is None:
            return self.model.bse
        return pd.Series(np.sqrt(np.diag(self.vcov.to_numpy())), index=self.vcov.index)

    @property
    def estimate(self) -> float:
        return float(self.model.params[self.term])

    @property
    def std_error(self) -> float:
        return float(self._se()[self.term])

    @property
    def t_stat(self) -> float:
        return self.estimate / self.std_error

    @property
    def p_value(self) -> float:
        return float(2 * stats.t.sf(abs(self.t_stat), self.df))

    def conf_int(self, alpha: float = 0.05) -> tuple[float, float]:
        q = stats.t.ppf(1 - alpha / 2, self.df)
        return self.estimate - q * self.std_error, self.estimate + q * self.std_error

    def tidy(self, alpha: float = 0.05) -> pd.DataFrame:
        """One row per coefficient (fixed effects left out), like broom::tidy."""
        terms = [t for t in self.model.params.index if not t.startswith(("unit[", "time["))]
        est = self.model.params[terms].to_numpy()
        se = self._se()[terms].to_numpy()
        t = est / se
        q = stats.t.ppf(1 - alpha / 2, self.df)
        return pd.DataFrame(
            {
                "term": terms,
                "estimate": est,
                "std_error": se,
                "statistic": t,
                "p_value": 2 * stats.t.sf(np.abs(t), self.df),
                "conf_low": est - q * se,
                "conf_high": est + q * se,
            }
        )

    def summary(self) -> str:
        low, high = self.conf_int()
        fe = f", fixed effects: {' + '.join(self.fixed_effects)}" if self.fixed_effects else ""
        lines = [
            f"Difference-in-differences ({self.cov_label} standard errors{fe})",
            f"  estimate   {self.estimate:14.4f}",
            f"  std. error {self.std_error:14.4f}",
            f"  p-value    {self.p_value:14.4f}" + (f"  (t with {self.df:g} df)" if self.n_clusters else ""),
            f"  95% CI     [{low:.4f}, {high:.4f}]",
            f"  n obs      {self.n_obs:14d}",
        ]
        if self.n_clusters:
            lines.append(f"  clusters   {self.n_clusters:14d}")
        lines += [f"  Warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _indicator(data: pd.DataFrame, column: str) -> pd.Series:
    values = data[column]
    uniq = set(pd.unique(values.dropna()))
    if not uniq <= {0, 1, True, False}:
        raise DidInputError(f"column '{column}' must be 0/1 or boolean, found values {sorted(uniq)[:5]}")
    return values.astype(float)


def _nested(fe: pd.Series, cluster: pd.Series) -> bool:
    """True when every level of the fixed effect lies within one cluster."""
    return bool((pd.DataFrame({"f": fe, "c": cluster}).groupby("f")["c"].nunique() <= 1).all())


def _crv1(X: pd.DataFrame, resid: np.ndarray, w: np.ndarray, groups: np.ndarray, k: int) -> pd.DataFrame:
    """CRV1 covariance with fixest's small-sample factor; ``k`` counts the parameters as fixest does."""
    Xa = X.to_numpy(dtype=float)
    bread = np.linalg.pinv(Xa.T @ (Xa * w[:, None]))
    scores = Xa * (w * resid)[:, None]
    S = pd.DataFrame(scores).groupby(groups).sum().to_numpy()
    meat = S.T @ S
    n, G = len(resid), len(np.unique(groups))
    factor = G / (G - 1) * (n - 1) / (n - k)
    return pd.DataFrame(factor * bread @ meat @ bread, index=X.columns, columns=X.columns)


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
    (two-way fixed effects). ``cluster`` gives cluster-robust (CRV1) errors by that column, with
    p-values and intervals from t(G-1); otherwise the errors are classical OLS errors. Rows with a
    missing outcome, treatment or control are dropped; a missing cluster value is an error.
    """
    if (unit is None) != (time is None):
        raise DidInputError("give both unit and time for two-way fixed effects, or neither")
    used = [outcome, treated, post, *controls]
    used += [c for c in (unit, time, cluster, weights) if c is not None]
    missing = [c for c in dict.fromkeys(used) if c not in data.columns]
    if missing:
        raise DidColumnError(f"columns not in data: {', '.join(missing)}")
    if cluster is not None and (n_na := int(data[cluster].isna().sum())):
        raise DidInputError(
            f"cluster column '{cluster}' has {n_na} missing value(s); fill them in or drop those rows "
            "first (dropping them silently would change the estimate)"
        )
    df = data[list(dict.fromkeys(used))].dropna()
    if df.empty:
        raise DidInputError("no complete rows to fit")

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
    w = df[weights].to_numpy(dtype=float) if weights else np.ones(len(df))
    model = sm.WLS(y, X, weights=w) if weights else sm.OLS(y, X)
    res = model.fit()
    if cluster is None:
        return DidResult(model=res, term=DID_TERM, n_obs=int(res.nobs), cov_label="classical OLS",
                         fixed_effects=fixed_effects)

    groups = pd.factorize(df[cluster])[0]
    G = int(groups.max()) + 1
    if G < 2:
        raise DidInputError(f"cluster column '{cluster}' has a single value; clustering needs at least 2 clusters")
    k = int(res.df_model) + 1  # rank of X, intercept included
    for fe_col, prefix in ((unit, "unit["), (time, "time[")):
        if fe_col is not None and _nested(df[fe_col], df[cluster]):
            # fixest's fixef.K = "nested": a nested fixed effect's coefficients are not counted
            k -= sum(c.startswith(prefix) for c in X.columns)
    vcov = _crv1(X, res.resid.to_numpy(), w, groups, k)
    notes = []
    if G < FEW_CLUSTERS:
        notes.append(f"only {G} clusters; cluster-robust inference can be unreliable with fewer than "
                     f"{FEW_CLUSTERS} (consider a wild cluster bootstrap or a permutation test)")
    treated_clusters = np.unique(groups[(d * p).to_numpy() == 1])
    if len(treated_clusters) == 1:
        notes.append(f"all treated observations are in one cluster of '{cluster}'; the clustered "
                     "standard error of the effect is not reliable (MacKinnon & Webb 2017)")
    return DidResult(model=res, term=DID_TERM, n_obs=int(res.nobs), cov_label=f"cluster-robust (CRV1) by {cluster}",
                     fixed_effects=fixed_effects, vcov=vcov, n_clusters=G, warnings=notes)


def did_statistics(gaps: np.ndarray, is_post: np.ndarray) -> dict[str, np.ndarray]:
    """Closed-form DiD on gap series (rows = units): estimate, classical SE, t, residual SD.

    Identical to OLS with unit and time fixed effects on the two-series panel (a unit and its
    comparison group), which is what ``fit_did`` runs for the treated unit.
    """
    pre, post = gaps[:, ~is_post], gaps[:, is_post]
    n_pre, n_post = pre.shape[1], post.shape[1]
    est = post.mean(axis=1) - pre.mean(axis=1)
    resid = np.concatenate([pre - pre.mean(axis=1, keepdims=True), post - post.mean(axis=1, keepdims=True)], axis=1)
    dof = n_pre + n_post - 2
    sd = np.sqrt((resid**2).sum(axis=1) / dof) if dof > 0 else np.full(len(est), np.nan)
    se = sd * np.sqrt(1 / n_pre + 1 / n_post)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = est / se
        pre_rmspe = np.sqrt(((pre - pre.mean(axis=1, keepdims=True)) ** 2).mean(axis=1))
        post_rmspe = np.sqrt(((post - pre.mean(axis=1, keepdims=True)) ** 2).mean(axis=1))
        rmspe_ratio = post_rmspe / pre_rmspe
    return {"estimate": est, "se": se, "t": t, "sd": sd, "rmspe_ratio": rmspe_ratio, "dof": dof,
            "pre_rmspe": pre_rmspe}
