"""The search engine: the only package that imports whoosh and numpy.

Writing: readers' Articles → segment (arrays built with NumPy) → writer (segments in
worker processes, merges, commit) → indexer (what to read again, generations).
Reading: view (one commit's arrays, memory-mapped) → querying (text → plan) →
matching (plan → documents) → ranking (BM25F) → facets, snippets → searcher.
Beside them: analysis (tokens and terms, shared by all), fields (the registry),
arrays (the file format), codec and whoosh_compat (what Whoosh sees, and the one
place that touches its internals), commit (per-commit data), spelling (did you mean,
fuzzy words), store (the index folder: generations, marker, lock).
"""
