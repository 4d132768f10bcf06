"""Resident demands and complaints (诉求): intake, 721 routing, time limits, the
resident's rating, overdue flags and the three lists (三个清单)."""
