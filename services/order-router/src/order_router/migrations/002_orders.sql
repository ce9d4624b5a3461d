-- Batches and orders: the OMS's own record of every order and where it is in its life.
CREATE TABLE batches (
    batch_id       text PRIMARY KEY,
    kind           text NOT NULL,            -- batch.requested, order.requested, exit...
    token          integer NOT NULL,
    exchange       text,
    execution_type text NOT NULL,
    order_type     text NOT NULL,
    trade_type     text,
    price          numeric(18, 4),
    trigger_price  numeric(18, 4),
    tag            text,
    actor          text NOT NULL,
    order_count    integer NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    order_id        text PRIMARY KEY,
    batch_id        text NOT NULL,
    client_id       text NOT NULL,
    token           integer NOT NULL,
    exchange        text NOT NULL,
    symbol          text NOT NULL,
    lot_size        integer NOT NULL,
    tick_size       numeric(18, 4) NOT NULL,
    execution_type  text NOT NULL,
    side            text,                     -- NULL only for an EXIT denied before sizing
    order_type      text NOT NULL,
    trade_type      text NOT NULL,
    quantity        integer NOT NULL,         -- shares; 0 only for an unsized EXIT denial
    price           numeric(18, 4),
    trigger_price   numeric(18, 4),
    tag             text,
    status          text NOT NULL,
    rule            text,
    reason          text,
    risk_notes      text[] NOT NULL DEFAULT '{}',
    filled_quantity integer NOT NULL DEFAULT 0,
    average_price   numeric(18, 4),
    broker_order_id text,
    sent_order_type text,
    sent_price      numeric(18, 4),
    protected       boolean NOT NULL DEFAULT false,
    actor           text NOT NULL,
    correlation_id  text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_batch ON orders (batch_id);
CREATE INDEX orders_client_created ON orders (client_id, created_at DESC);
CREATE INDEX orders_created ON orders (created_at DESC);
CREATE INDEX orders_open ON orders (status)
    WHERE status NOT IN ('DENIED', 'REJECTED', 'FILLED', 'CANCELED', 'EXPIRED');

-- Idempotency of the event consumer: an event id is applied once; a fill once per trade.
CREATE TABLE applied_events (
    event_id   text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE fills (
    client_id text NOT NULL,
    trade_no  text NOT NULL,
    order_id  text NOT NULL,
    quantity  integer NOT NULL,
    price     numeric(18, 4) NOT NULL,
    traded_at timestamptz NOT NULL,
    PRIMARY KEY (client_id, trade_no)
);

-- The router's own copies of the account topics (accounts.clients/sessions/margins.v1).
CREATE TABLE clients (
    client_id          text PRIMARY KEY,
    active             boolean NOT NULL,
    exchanges          text[] NOT NULL,
    trade_types        text[] NOT NULL,
    max_order_quantity integer,
    max_order_value    numeric(18, 2),
    max_open_positions integer,
    updated_at         timestamptz NOT NULL
);
CREATE TABLE sessions (
    client_id  text PRIMARY KEY,
    state      text NOT NULL,
    error_code text,
    reason     text,
    updated_at timestamptz NOT NULL
);
CREATE TABLE margins (
    client_id text NOT NULL,
    report    text NOT NULL,
    rows      jsonb NOT NULL,                 -- [[srno, amount], ...]
    taken_at  timestamptz NOT NULL,
    PRIMARY KEY (client_id, report)
);

-- Kill switch: scope '*' is global, otherwise a client id. Mirrored to Redis as a flag.
CREATE TABLE kill_switches (
    scope      text PRIMARY KEY,
    engaged    boolean NOT NULL,
    reason     text NOT NULL,
    actor      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
