"""The published catalogue: departments, taxonomy, posts and jurisdictions, and the ruleset versions that carry them."""
