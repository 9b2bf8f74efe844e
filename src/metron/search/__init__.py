"""The alert store: indexing, Lucene search, updates and meta-alerts."""
