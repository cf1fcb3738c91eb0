"""Main-text extraction from markup (extract.html)."""
