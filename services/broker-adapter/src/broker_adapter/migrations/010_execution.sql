-- Execution: the durable command inbox, the idempotency log of order intents, and the
-- broker trade numbers already reported (so each fill is emitted once).

CREATE TABLE command_inbox (
    seq          bigserial PRIMARY KEY,
    event_id     text NOT NULL UNIQUE,
    kind         text NOT NULL CHECK (kind IN ('place', 'modify', 'cancel')),
    client_id    text NOT NULL,
    order_id     text NOT NULL,
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    attempts     integer NOT NULL DEFAULT 0,
    done_at      timestamptz,
    outcome      text
);
-- A place command is executed once per order, whatever event id a redelivery carries.
CREATE UNIQUE INDEX command_inbox_one_place ON command_inbox (order_id) WHERE kind = 'place';
CREATE INDEX command_inbox_pending ON command_inbox (client_id, seq) WHERE done_at IS NULL;

CREATE TABLE order_intents (
    order_id            text PRIMARY KEY,
    client_id           text NOT NULL,
    tag                 text NOT NULL,
    state               text NOT NULL CHECK (state IN ('INTENT', 'UNKNOWN', 'PLACED', 'DONE')),
    instrument          jsonb NOT NULL,
    exchange            text NOT NULL,
    side                text NOT NULL,
    trade_type          text NOT NULL,
    product             text NOT NULL,
    order_type          text NOT NULL,
    quantity            integer NOT NULL CHECK (quantity > 0),
    price               numeric,
    trigger_price       numeric,
    sent_order_type     text NOT NULL,
    sent_price          numeric NOT NULL,
    sent_trigger_price  numeric NOT NULL,
    protected           boolean NOT NULL DEFAULT false,
    broker_order_id     text,
    broker_status       text,
    filled_quantity     integer NOT NULL DEFAULT 0,
    terminal_event      text,
    correlation_id      text NOT NULL,
    causation_id        text NOT NULL,
    actor               text NOT NULL,
    place_attempts      integer NOT NULL DEFAULT 0,
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_intents_open ON order_intents (client_id) WHERE state <> 'DONE';
CREATE INDEX order_intents_broker ON order_intents (client_id, broker_order_id);
CREATE INDEX order_intents_tag ON order_intents (client_id, tag);

CREATE TABLE emitted_trades (
    client_id   text NOT NULL,
    trade_no    text NOT NULL,
    order_id    text NOT NULL,
    quantity    integer NOT NULL,
    emitted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, trade_no)
);
