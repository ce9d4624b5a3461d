-- Order previews (issue 14): what a preview showed, so execute-all with its preview_id
-- places exactly that or refuses naming what changed. Kept minutes, by their user only.
CREATE TABLE order_previews (
    preview_id text PRIMARY KEY,
    username   text NOT NULL,
    body_hash  text NOT NULL,
    facts      jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX order_previews_expires ON order_previews (expires_at);
