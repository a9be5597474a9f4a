"""The one server bootstrap every icore process uses: settings, logging, tracing,
caller identity, error mapping, health, reflection, storage and shutdown."""
