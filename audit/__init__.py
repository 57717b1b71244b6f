"""The hash-chained audit trail, auditor pages, retention and pseudonymisation jobs."""
