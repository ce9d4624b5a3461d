-- Positions (one row per life of a holding: a "trade"), the fills applied to them (one
-- row per broker trade number: the idempotency record), margins and broker drift.

CREATE TABLE positions (
    position_id      text PRIMARY KEY,
    client_id        text NOT NULL,
    exchange         text NOT NULL,
    token            integer NOT NULL,
    trade_type       text NOT NULL,
    symbol           text NOT NULL,
    opening_trade_no text NOT NULL,
    net_quantity     integer NOT NULL,
    open_value       numeric NOT NULL,
    buy_quantity     integer NOT NULL,
    buy_value        numeric NOT NULL,
    sell_quantity    integer NOT NULL,
    sell_value       numeric NOT NULL,
    realized_pnl     numeric NOT NULL,
    last_price       numeric,
    opened_at        timestamptz NOT NULL,
    closed_at        timestamptz,
    updated_at       timestamptz NOT NULL,
    status           text GENERATED ALWAYS AS
                       (CASE WHEN net_quantity = 0 THEN 'CLOSED' ELSE 'ACTIVE' END) STORED
);
-- at most one open position per client, instrument and trade type
CREATE UNIQUE INDEX positions_one_active
    ON positions (client_id, exchange, token, trade_type) WHERE net_quantity <> 0;
CREATE INDEX positions_by_client ON positions (client_id, status);
CREATE INDEX positions_by_token ON positions (token, status);

CREATE TABLE fills (
    client_id     text NOT NULL,
    trade_no      text NOT NULL,
    order_id      text NOT NULL,
    exchange      text NOT NULL,
    token         integer NOT NULL,
    symbol        text NOT NULL,
    trade_type    text NOT NULL,
    side          text NOT NULL,
    quantity      integer NOT NULL,
    price         numeric NOT NULL,
    traded_at     timestamptz NOT NULL,
    position_ids  text[] NOT NULL,
    event_id      text NOT NULL,
    applied_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, trade_no)
);
CREATE INDEX fills_by_client_time ON fills (client_id, traded_at DESC);

CREATE TABLE margins (
    client_id        text PRIMARY KEY,
    report           text NOT NULL,
    available_cash   numeric NOT NULL,
    collateral       numeric NOT NULL,
    margin_used      numeric NOT NULL,
    margin_available numeric NOT NULL,
    mtm              numeric NOT NULL,
    booked_pnl       numeric NOT NULL,
    rows             jsonb NOT NULL,
    taken_at         timestamptz NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE drift (
    client_id       text NOT NULL,
    exchange        text NOT NULL,
    token           integer NOT NULL,
    product         text NOT NULL,
    trade_type      text,
    ours            integer NOT NULL,
    broker          integer NOT NULL,
    snapshots_seen  integer NOT NULL DEFAULT 1,
    first_seen_at   timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    PRIMARY KEY (client_id, exchange, token, product)
);

CREATE TABLE reconciliations (
    client_id   text PRIMARY KEY,
    taken_at    timestamptz NOT NULL,
    positions   integer NOT NULL,
    drifts      integer NOT NULL
);
