"""The statistical core: panels of any units, designs, estimators and inference.

Nothing here knows about kommuner, Statistics Denmark or reports; ``evaltools.evaluation`` maps
a kommune and a catalogue outcome onto it (``evaltools.design.core_panel``).

- ``panel``: ``Panel`` (``from_frame``), periods of any kind, an explicit aggregate rule
- ``design``: ``make_design`` (windows, comparison group), ``compute_gaps``, ``stacked_panel``
- ``did``: ``fit_did`` (OLS/WLS, CRV1 with t(G-1)) and the closed form the placebos use
- ``weights``: synthetic control / synthetic DiD weights (synthdid's Frank-Wolfe solver)
- ``estimators``: did, sc, sc_demeaned, sdid side by side with placebo inference
- ``inference``: placebo in space and time, event study, joint and linear pre-trend tests
"""

from evaltools.core.design import Design, DesignError, Gaps, compute_gaps, make_design, stacked_panel
from evaltools.core.did import DidResult, did_statistics, fit_did
from evaltools.core.panel import Panel, PanelError

__all__ = ["Design", "DesignError", "DidResult", "Gaps", "Panel", "PanelError", "compute_gaps", "did_statistics",
           "fit_did", "make_design", "stacked_panel"]
