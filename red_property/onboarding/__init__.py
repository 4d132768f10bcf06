"""Onboarding a real city: invitations instead of passwords, the bureau's company
directory, and the tenants created from it (see issue 11)."""
