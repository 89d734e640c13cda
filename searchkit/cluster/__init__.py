"""Sharded archives: one engine index per shard, searched together (coordinator.py), in
this process (local.py) or by a Ray cluster (ray_backend.py, with `searchkit[cluster]`)."""
