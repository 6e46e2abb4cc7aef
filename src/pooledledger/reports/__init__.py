"""Reports: read results, never write entries (layer L4)."""
