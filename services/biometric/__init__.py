"""The biometric core (issue 5): watch-list checks by face, fingerprint and iris.

- core.py: `BiometricCore`, what the server calls (persisted enrol/delete,
  batched identify, verify, stats, snapshots).
- engine.py: the in-memory galleries and searches, no database.
- gallery.py, identification.py: chunked storage and the two exact scans.
- templates.py, config.py, watchlist.py, policies.py: the domain values.
- storage.py, snapshot.py: the database record of truth and the disk snapshot.
- batcher.py: micro-batching of concurrent probes for asyncio.
"""
