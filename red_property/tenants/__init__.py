"""Tenants: property companies, the housing bureau, owners' committees."""
