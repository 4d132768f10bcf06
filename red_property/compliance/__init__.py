"""Compliance: the indicators a company is rated on, measured from its own records."""
