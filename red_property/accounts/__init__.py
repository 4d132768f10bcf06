"""Accounts: users, roles, sessions, API tokens."""
