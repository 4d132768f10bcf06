"""Owner votes on the owners' committee's proposals, counted by PRC Civil Code art. 278."""
