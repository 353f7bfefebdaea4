"""CPGRAMS integration plugin (placeholder; see README.md)."""
