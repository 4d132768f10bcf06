"""The owners' committee's money: its roll of owners, the public-income ledger, statements, distributions."""
