-- Motilal dealers as the adapter keeps them (DealerUpserted on accounts.clients.v1): one login
-- with the dealer's own sealed credentials, acting for every client whose dealer_id names it.
-- A dealer's session row in `sessions` is keyed dealer:<dealer_id> (common dealer_key).
CREATE TABLE dealers (
    dealer_id          text PRIMARY KEY,
    motilal_client_id  text NOT NULL,
    name               text NOT NULL,
    active             boolean NOT NULL,
    sealed_credentials text,
    credentials_hash   text,
    event_id           text NOT NULL,
    occurred_at        timestamptz NOT NULL,
    received_at        timestamptz NOT NULL DEFAULT now()
);

-- A client reached through a dealer has no credentials of its own: it names the dealer.
ALTER TABLE accounts ADD COLUMN dealer_id text;
CREATE INDEX accounts_by_dealer ON accounts (dealer_id) WHERE dealer_id IS NOT NULL;
