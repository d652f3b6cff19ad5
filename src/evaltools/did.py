"""Difference-in-differences by OLS: see ``evaltools.core.did`` (kept here for existing imports)."""

from evaltools.core.did import DID_TERM, DidColumnError, DidInputError, DidResult, did_statistics, fit_did

__all__ = ["DID_TERM", "DidColumnError", "DidInputError", "DidResult", "did_statistics", "fit_did"]
