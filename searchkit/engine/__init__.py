"""The search engine: the only package that imports whoosh.

schema (fields and analysis) → indexer (writes) → searcher (reads). Beside them:
store keeps the on-disk layout of generations, the lock and the metadata; querying
turns typed text into queries; docsets computes matching sets without scoring;
ranking holds the weighting model and the fast word scorer; snippets highlights;
whoosh_fixes patches one slow path of Whoosh 2.7.4.
"""
