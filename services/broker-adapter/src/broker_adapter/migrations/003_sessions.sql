-- Each client's broker session state, shared by adapter replicas. Never holds a token
-- (tokens live in Redis with a TTL to their 06:00 IST expiry).
-- A FAILED login is remembered against the credentials it was tried with: new credentials
-- (another hash) or an admin's retry clears it.
CREATE TABLE sessions (
    client_id         text PRIMARY KEY,
    state             text NOT NULL,
    reason            text,
    error_code        text,
    credentials_hash  text,
    expires_at        timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
