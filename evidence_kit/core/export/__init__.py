"""Evidence bundles, the court report, CASE/UCO and WACZ exports, and bundle verification."""
