"""Account snapshots: the broker's positions and margins, read after fills, on demand, by sweep."""
