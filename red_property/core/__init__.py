"""Cross-cutting pieces: the model base, tenancy, audit, jobs, errors, security."""
