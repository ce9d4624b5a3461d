-- Risk automation (issue 15): MTM limits and the square-off override per scope, the day's
-- triggers (each fires once per scope, rule and trading date, whatever the replicas), and
-- the blocks a trigger leaves on each client until the day ends or an admin lifts them.
CREATE TABLE IF NOT EXISTS scope_limits (
    scope text PRIMARY KEY,                 -- a client id, or group:<name>
    members text[] NOT NULL DEFAULT '{}',   -- a group's clients when its limits were set
    mtm_stop_loss numeric,
    mtm_target numeric,
    mtm_trailing_stop numeric,
    square_off_time time,                   -- a client's own square-off time (IST)
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS risk_triggers (
    scope text NOT NULL,                    -- client, group:<name>, or client@exchange
    rule text NOT NULL,
    trading_date date NOT NULL,
    reason text NOT NULL,
    fired_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, rule, trading_date)
);

CREATE TABLE IF NOT EXISTS risk_blocks (
    client_id text NOT NULL,
    rule text NOT NULL,
    trading_date date NOT NULL,
    exchange text NOT NULL DEFAULT '',      -- '' = every exchange
    trade_type text,                        -- NULL = every trade type
    scope text NOT NULL,
    reason text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    lifted_at timestamptz,
    lifted_by text,
    PRIMARY KEY (client_id, rule, trading_date, exchange)
);
CREATE INDEX IF NOT EXISTS risk_blocks_day ON risk_blocks (trading_date) WHERE lifted_at IS NULL;
