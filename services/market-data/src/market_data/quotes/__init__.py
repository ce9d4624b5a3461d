"""The quotes wing: which tokens anyone watches (interest), the Motilal feed session and its
REST fallback, and the quote book that writes the latest quote of each token to Redis."""
