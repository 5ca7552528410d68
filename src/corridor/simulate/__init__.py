"""Processing-pathway and court-backlog simulations (Monte Carlo), calibrated to public data."""
