"""Strategy: setups into signals, the strategic evaluation ("product owner") and performance
feedback. Imports core, structure and risk only."""
