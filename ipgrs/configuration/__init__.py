"""Low-code administration: nodal officers edit their department's YAML in the browser, drafts, publish, rollback."""
