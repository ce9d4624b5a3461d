-- The client registry as the adapter keeps it (from accounts.clients.v1). The credentials
-- stay sealed here exactly as the gateway sealed them; only this service's key opens them.
CREATE TABLE accounts (
    client_id          text PRIMARY KEY,
    motilal_client_id  text NOT NULL,
    name               text NOT NULL,
    active             boolean NOT NULL,
    exchanges          text[] NOT NULL,
    trade_types        text[] NOT NULL,
    sealed_credentials text,
    credentials_hash   text,
    event_id           text NOT NULL,
    occurred_at        timestamptz NOT NULL,
    received_at        timestamptz NOT NULL DEFAULT now()
);
