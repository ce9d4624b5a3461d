"""Token master, live quotes from Motilal's feed, Redis and Kafka."""
