-- Client accounts as the desk registers them. Credentials are sealed to the broker-adapter's
-- public key: the gateway can write them but cannot read them back.
CREATE TABLE clients (
    client_id          text PRIMARY KEY,
    motilal_client_id  text NOT NULL UNIQUE,
    name               text NOT NULL,
    active             boolean NOT NULL DEFAULT true,
    exchanges          text[] NOT NULL DEFAULT '{NSE,BSE}',
    trade_types        text[] NOT NULL DEFAULT '{INTRADAY,DELIVERY,MTF}',
    max_order_quantity integer,
    max_order_value    numeric(18, 2),
    max_open_positions integer,
    groups             text[] NOT NULL DEFAULT '{}',
    sealed_credentials text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
