-- Which credential fields a client has (the sealed box itself cannot be read here), and the
-- time they were last replaced: shown as present/absent by the API.
ALTER TABLE clients
    ADD COLUMN credential_fields text[] NOT NULL DEFAULT '{}',
    ADD COLUMN credentials_updated_at timestamptz,
    ADD COLUMN version bigint NOT NULL DEFAULT 1;
