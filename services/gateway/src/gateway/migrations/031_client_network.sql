-- A client's own network identity (issue 15): the static public IP registered for its API
-- key, the local address its calls leave from, its MAC, and optionally the family sharing
-- the IP and the adapter egress pool that owns the address. NULL: the deployment's default.
ALTER TABLE clients ADD COLUMN network_identity jsonb;
