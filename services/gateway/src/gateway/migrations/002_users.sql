-- Platform users (operators) and their refresh tokens.
CREATE TABLE users (
    username      text PRIMARY KEY,
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'trader', 'viewer')),
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per refresh token issued. A token is single-use: refreshing marks it used and
-- issues the next one of the same family. Presenting a used token again revokes the family
-- (someone replayed a stolen token).
CREATE TABLE refresh_tokens (
    jti         text PRIMARY KEY,
    family      text NOT NULL,
    username    text NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_username ON refresh_tokens (username);
CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);
