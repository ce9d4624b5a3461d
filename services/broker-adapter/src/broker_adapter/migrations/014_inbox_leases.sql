-- Replicas share the command inbox: each unfinished row is leased by the replica that runs
-- it (owner, renewed while it lives). A replica that dies stops renewing; once its lease
-- runs out a live replica claims the client's rows and runs them (store_inbox.py). A row
-- without an owner (stored before this migration) is free to claim.
ALTER TABLE command_inbox ADD COLUMN owner text;
ALTER TABLE command_inbox ADD COLUMN lease_until timestamptz;
