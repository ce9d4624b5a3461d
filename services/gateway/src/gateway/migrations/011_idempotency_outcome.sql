-- An Idempotency-Key holds what its request decided BEFORE anything is published: the
-- messages (with their minted ids), the answer and the audit entries. A retry after a
-- failure republishes those same messages (consumers ignore a repeated order id) and
-- answers the stored answer, so a key is never released once a message may have left.
--   pending  : the request is validating; nothing has left the gateway
--   prepared : its messages are fixed and may have been published; a retry republishes
--   done     : published and audited; a retry gets the stored answer
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_state_check;
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_state_check
    CHECK (state IN ('pending', 'prepared', 'done'));
ALTER TABLE idempotency_keys
    ADD COLUMN claimed_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN messages   jsonb,
    ADD COLUMN audit      jsonb;
