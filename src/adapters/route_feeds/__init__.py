"""Route provider adapters: JSON feeds over HTTP, from a file, bundled demo data, in memory."""
