-- Day-end reports: written once per trading date after the close and never changed, so a
-- past day reads back exactly as it was (fills or prices that arrive later do not touch it).
-- `day_closes` is the once-only marker: the writer inserts it first in the same transaction,
-- and a second writer (a restart, another replica) finds it and writes nothing.

CREATE TABLE day_closes (
    trading_date    date PRIMARY KEY,
    written_at      timestamptz NOT NULL,
    schedule_from   date NOT NULL,
    schedule_source text NOT NULL,
    clients         integer NOT NULL
);

CREATE TABLE day_reports (
    trading_date date NOT NULL REFERENCES day_closes (trading_date),
    client_id    text NOT NULL,
    report       jsonb NOT NULL,
    PRIMARY KEY (trading_date, client_id)
);

-- whether fills exist after a day (then today's positions are not that day's end)
CREATE INDEX fills_by_day ON fills (trading_date);

CREATE FUNCTION day_reports_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a stored day report is never changed (% on %)', TG_OP, TG_TABLE_NAME;
END
$$;

CREATE TRIGGER day_closes_frozen BEFORE UPDATE OR DELETE ON day_closes
    FOR EACH ROW EXECUTE FUNCTION day_reports_frozen();
CREATE TRIGGER day_reports_frozen BEFORE UPDATE OR DELETE ON day_reports
    FOR EACH ROW EXECUTE FUNCTION day_reports_frozen();
