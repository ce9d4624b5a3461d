-- Motilal dealers: one login with the dealer's own credentials (sealed for the broker-adapter
-- like a client's), acting for each client that names it by sending the client's code.
CREATE TABLE dealers (
    dealer_id           text PRIMARY KEY,
    motilal_client_id   text NOT NULL UNIQUE,
    name                text NOT NULL,
    active              boolean NOT NULL DEFAULT true,
    sealed_credentials  text NOT NULL,
    credential_fields   text[] NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- A client either has credentials of its own or names its dealer (never both).
ALTER TABLE clients ADD COLUMN dealer_id text REFERENCES dealers (dealer_id);
