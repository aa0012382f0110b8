"""Market structure: swings, breaks of structure (BOS/CHoCH) and M1 retests (SPEC §1-§3)."""
