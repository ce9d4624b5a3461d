-- Each client's broker session as the broker-adapter reports it (accounts.sessions.v1).
-- Never holds a token: state, the last error in words, and when.
CREATE TABLE client_sessions (
    client_id    text PRIMARY KEY,
    state        text NOT NULL,
    reason       text,
    error_code   text,
    expires_at   timestamptz,
    updated_at   timestamptz NOT NULL,
    event_id     text NOT NULL
);
