"""The community register (the bureau's), management contracts, and each
company's own buildings and households."""
