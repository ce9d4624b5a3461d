-- Each audit row carries the hash of the row before it, so an edit, a deletion or an
-- insertion in the middle of the log shows (GET /api/v1/admin/audit/verify).
-- The chain is kept by the database itself (a BEFORE INSERT trigger), whoever inserts:
-- writers take the one-row head FOR UPDATE, so concurrent inserts (any gateway replica)
-- chain one after another; chain_seq is that order (ids can be taken out of order).
CREATE TABLE audit_chain_head (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seq      bigint NOT NULL,
    hash     bytea NOT NULL
);
INSERT INTO audit_chain_head (seq, hash) VALUES (0, decode(repeat('00', 32), 'hex'));

ALTER TABLE audit_log
    ADD COLUMN chain_seq bigint UNIQUE,
    ADD COLUMN prev_hash bytea,
    ADD COLUMN row_hash  bytea;

-- The hash of one row: sha256 over the previous hash and the row's fields as a JSON array
-- (unambiguous: no separator a value could forge).
CREATE FUNCTION audit_row_hash(prev bytea, r audit_log) RETURNS bytea AS $$
    SELECT sha256(prev || convert_to(jsonb_build_array(
        r.chain_seq, r.id,
        to_char(r.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        r.actor, r.actor_role, r.action, r.target, r.correlation_id, r.details)::text, 'UTF8'))
$$ LANGUAGE sql IMMUTABLE;

CREATE FUNCTION audit_log_chain() RETURNS trigger AS $$
DECLARE
    head audit_chain_head;
BEGIN
    SELECT * INTO head FROM audit_chain_head FOR UPDATE;
    NEW.chain_seq := head.seq + 1;
    NEW.prev_hash := head.hash;
    NEW.row_hash := audit_row_hash(head.hash, NEW);
    UPDATE audit_chain_head SET seq = NEW.chain_seq, hash = NEW.row_hash;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Chain the rows written before this migration, in id order (the append-only trigger is
-- off for this one statement of the schema's owner).
ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
DO $$
DECLARE
    r audit_log;
    head audit_chain_head;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        SELECT * INTO head FROM audit_chain_head;
        r.chain_seq := head.seq + 1;
        r.prev_hash := head.hash;
        r.row_hash := audit_row_hash(head.hash, r);
        UPDATE audit_log SET chain_seq = r.chain_seq, prev_hash = r.prev_hash,
                             row_hash = r.row_hash
        WHERE id = r.id;
        UPDATE audit_chain_head SET seq = r.chain_seq, hash = r.row_hash;
    END LOOP;
END;
$$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;

ALTER TABLE audit_log
    ALTER COLUMN chain_seq SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN row_hash SET NOT NULL;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

-- The head is the chain's end: it moves forward only, by the trigger.
CREATE FUNCTION audit_chain_head_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR NEW.seq <> OLD.seq + 1 THEN
        RAISE EXCEPTION 'audit_chain_head moves forward only, one row at a time';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE OR DELETE ON audit_chain_head
    FOR EACH ROW EXECUTE FUNCTION audit_chain_head_forward_only();
