-- Tokens the feed must follow because an order is working or a position is open in them.
-- Filled from orders.events.v1 and portfolio.updates.v1; `open` turns false at the end.
CREATE TABLE order_interest (
    order_id   text        PRIMARY KEY,
    exchange   text,
    token      integer,
    open       boolean     NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_interest_open ON order_interest (open) WHERE open;

CREATE TABLE position_interest (
    position_id text        PRIMARY KEY,
    exchange    text        NOT NULL,
    token       integer     NOT NULL,
    open        boolean     NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX position_interest_open ON position_interest (open) WHERE open;
