-- The token master in layers: the token file ('file') and Motilal's scrip master
-- ('scrip_master'), each replaced whole in one transaction. When both list the same
-- (exchange, token), the file wins: it is what the desk curated (names, circuit bands).
CREATE TABLE instruments (
    source          text     NOT NULL CHECK (source IN ('file', 'scrip_master')),
    exchange        text     NOT NULL,
    token           integer  NOT NULL CHECK (token > 0),
    symbol          text     NOT NULL,
    name            text     NOT NULL,
    instrument_type text     NOT NULL,
    lot_size        integer  NOT NULL CHECK (lot_size > 0),
    tick_size       numeric  NOT NULL CHECK (tick_size > 0),
    lower_circuit   numeric,
    upper_circuit   numeric,
    PRIMARY KEY (source, exchange, token)
);
CREATE INDEX instruments_token ON instruments (token);

-- One row per committed load: replicas rebuild their in-memory index when the newest id changes.
CREATE TABLE instrument_loads (
    id          bigserial   PRIMARY KEY,
    source      text        NOT NULL,
    exchanges   text[]      NOT NULL,
    rows        integer     NOT NULL,
    digest      text        NOT NULL,
    origin      text        NOT NULL,
    actor       text        NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now()
);
