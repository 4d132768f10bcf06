"""The demo city and the scale generator: deterministic, Chinese names and addresses."""
