"""Officers and their postings: who holds which post in which jurisdiction."""
