"""The search engine: the only package that imports whoosh.

schema (fields and analysis) → indexer (writes) → searcher (reads); store keeps the
on-disk layout of generations, the lock and the metadata.
"""
