"""The instruments wing: the token master (tokens CSV and Motilal's scrip master, loaded
into PostgreSQL and held in memory) and search over it."""
