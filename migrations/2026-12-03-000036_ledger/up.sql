-- The ledger: money and medals on one append-only list of entries per
-- workspace. An entry is never changed or deleted: a correction is a
-- compensating entry that names the one it corrects, with the opposite
-- amount. Each person's balance in each currency is kept beside the
-- entries by a trigger, in the inserting transaction, so that it can never
-- drift from their sum; a medal balance never goes below zero.

CREATE TABLE ledger_entries (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    person_id uuid NOT NULL,
    -- In minor units (cents; one medal is 1).
    amount_minor bigint NOT NULL
        CHECK (amount_minor <> 0 AND amount_minor BETWEEN -1000000000000 AND 1000000000000),
    currency text NOT NULL CHECK (currency ~ '^([A-Z]{3}|MEDAL_(BRONZE|SILVER|GOLD))$'),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    -- What caused it: a kind of record and its id (an award, a purchase,
    -- a payment, a lesson's register).
    cause_type text CHECK (cause_type ~ '^[a-z_]{1,40}$'),
    cause_id text CHECK (length(cause_id) BETWEEN 1 AND 200),
    -- The entry this one compensates.
    corrects uuid,
    actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'system')),
    actor_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id),
    FOREIGN KEY (workspace_id, corrects) REFERENCES ledger_entries (workspace_id, id),
    CHECK ((cause_type IS NULL) = (cause_id IS NULL))
);
CREATE INDEX ledger_by_person ON ledger_entries (workspace_id, person_id, created_at, id);
CREATE INDEX ledger_by_time ON ledger_entries (workspace_id, created_at, id);
CREATE INDEX ledger_by_cause ON ledger_entries (workspace_id, cause_type, cause_id) WHERE cause_type IS NOT NULL;
-- An entry is corrected once.
CREATE UNIQUE INDEX ledger_corrected_once ON ledger_entries (workspace_id, corrects) WHERE corrects IS NOT NULL;

CREATE TABLE ledger_balances (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    person_id uuid NOT NULL,
    currency text NOT NULL,
    balance_minor bigint NOT NULL,
    entries integer NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, person_id, currency),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id),
    CONSTRAINT ledger_medals_not_negative CHECK (currency !~ '^MEDAL_' OR balance_minor >= 0)
);

-- A correction compensates one entry that is not itself a correction: the
-- same person and currency, the opposite amount.
CREATE FUNCTION ledger_check_correction() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c ledger_entries;
BEGIN
    IF NEW.corrects IS NOT NULL THEN
        SELECT * INTO c FROM ledger_entries
        WHERE workspace_id = NEW.workspace_id AND id = NEW.corrects;
        IF c.corrects IS NOT NULL OR c.person_id <> NEW.person_id
           OR c.currency <> NEW.currency OR c.amount_minor <> -NEW.amount_minor THEN
            RAISE EXCEPTION 'a correction reverses one entry exactly'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_correction_reverses';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_check_correction BEFORE INSERT ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_check_correction();

-- The update first: PostgreSQL checks an INSERT's own row before it finds
-- the conflict, and a spend alone (a negative amount) would break the
-- medals' rule although the balance covers it.
CREATE FUNCTION ledger_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ledger_balances
        SET balance_minor = balance_minor + NEW.amount_minor,
            entries = entries + 1,
            updated_at = greatest(updated_at, NEW.created_at)
        WHERE workspace_id = NEW.workspace_id AND person_id = NEW.person_id
          AND currency = NEW.currency;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    INSERT INTO ledger_balances AS b
        (workspace_id, person_id, currency, balance_minor, entries, updated_at)
    VALUES (NEW.workspace_id, NEW.person_id, NEW.currency, NEW.amount_minor, 1, NEW.created_at)
    ON CONFLICT (workspace_id, person_id, currency) DO UPDATE
        SET balance_minor = b.balance_minor + EXCLUDED.balance_minor,
            entries = b.entries + 1,
            updated_at = greatest(b.updated_at, EXCLUDED.updated_at);
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_balance AFTER INSERT ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_balance();

-- Append-only. Two exceptions: a workspace deleted takes its ledger with
-- it (the cascade runs inside a trigger), and an erasure replaces a reason
-- by "(erased)" and changes nothing else.
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND pg_trigger_depth() > 1 THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.reason = '(erased)'
       AND (NEW.workspace_id, NEW.id, NEW.person_id, NEW.amount_minor, NEW.currency,
            NEW.cause_type, NEW.cause_id, NEW.corrects, NEW.actor_kind, NEW.actor_id, NEW.created_at)
           IS NOT DISTINCT FROM
           (OLD.workspace_id, OLD.id, OLD.person_id, OLD.amount_minor, OLD.currency,
            OLD.cause_type, OLD.cause_id, OLD.corrects, OLD.actor_kind, OLD.actor_id, OLD.created_at) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ledger entries are never changed or deleted: add a compensating entry'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_append_only';
END $$;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE FUNCTION ledger_balances_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN
        RETURN COALESCE(NEW, OLD);
    END IF;
    RAISE EXCEPTION 'balances follow their entries and are never changed by hand'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_append_only';
END $$;
CREATE TRIGGER ledger_balances_kept BEFORE UPDATE OR DELETE ON ledger_balances
    FOR EACH ROW EXECUTE FUNCTION ledger_balances_kept();

-- A person with money or medals on the ledger is kept when the deleted
-- are purged (their row, anonymous once erased, still counts); a workspace
-- deleted takes them all.
CREATE FUNCTION people_keep_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() = 1 AND EXISTS (
        SELECT 1 FROM ledger_balances
        WHERE workspace_id = OLD.workspace_id AND person_id = OLD.id
    ) THEN
        RETURN NULL;
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER people_keep_ledger BEFORE DELETE ON people
    FOR EACH ROW EXECUTE FUNCTION people_keep_ledger();
