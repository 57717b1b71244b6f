"""The contact log: every contact and outcome, pseudonymised, for planners and auditors."""
