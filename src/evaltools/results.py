"""The one result row of a report, defined once: ``Evaluation.tidy()`` writes it, the report's
metadata carries it, and the batch ledger, overview and claims pages read it. (No heavy imports:
the command line reads this without loading pandas.)"""

RESULT_COLUMNS = ["kommune", "kode", "outcome", "start", "scale", "estimate", "unit", "conf_low", "conf_high",
                  "p_value_placebo", "placebo_rank", "n_placebos", "pretrend_p", "pretrend_linear_p",
                  "pretrend_warning", "early_divergence", "diagnostics_disagree"]

CLAIM_COLUMNS = ["claim", "claim_value", "claim_measure"]
