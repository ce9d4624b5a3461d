"""Day reports: the charge schedule, one day per client, the day-end record and its API."""
