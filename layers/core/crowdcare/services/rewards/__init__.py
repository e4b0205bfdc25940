"""Advocates' rewards: points awarded through the ledger (awards), standings (boards) and an
advocate's own page (page)."""
