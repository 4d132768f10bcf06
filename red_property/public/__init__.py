"""The public community page: what tenants have published, for residents, without login."""
