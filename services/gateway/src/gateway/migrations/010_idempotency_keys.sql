-- Idempotency-Key of order POSTs: a retried request gets the first answer, placed once.
-- A row is 'pending' while its request runs, then holds the response that was sent.
CREATE TABLE idempotency_keys (
    username     text NOT NULL,
    key          text NOT NULL,
    request_hash text NOT NULL,
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    status_code  integer,
    response     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (username, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
