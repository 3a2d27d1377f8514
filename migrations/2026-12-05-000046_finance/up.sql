-- Finance: what a tutoring business charges for its sessions, what it pays
-- its tutors, and what is left.
--
-- A rate is what a student pays, per hour or per session, with a tutor or
-- for a subject (the session's title) when set: the most particular rate
-- that matches a session is its price, unless the session has a fee of its
-- own. A pay rate is what a tutor earns the same way. An invoice is built
-- from a student's completed sessions not yet invoiced: one line each,
-- with its price, and with the tutor's pay for it (so that revenue, cost
-- and margin are known per student, tutor, branch and month). Invoices and
-- credit notes are numbered without gaps per workspace, from counters
-- taken in their own transaction. An invoiced session is frozen: its
-- times, status, fee and title, its students and whether each is billed
-- no longer change (its host may only go), until a credit note gives back
-- the whole of its line.
-- An invoice takes its total on the ledger (a charge), a credit note gives
-- back (so the student's balance is what they owe), and payments are
-- applied to the oldest open invoice first.

CREATE TABLE rates (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    person_id uuid NOT NULL,
    -- With this tutor only (the session's host), and for this subject only
    -- (the session's title, in any case), when set.
    tutor_id uuid,
    subject text CHECK (length(subject) BETWEEN 1 AND 200),
    unit text NOT NULL CHECK (unit IN ('hour', 'session')),
    amount_minor bigint NOT NULL CHECK (amount_minor BETWEEN 1 AND 100000000000),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, tutor_id) REFERENCES memberships (workspace_id, user_id) ON DELETE CASCADE
);
-- One rate per student, tutor and subject.
CREATE UNIQUE INDEX rates_one_per_match ON rates
    (workspace_id, person_id, coalesce(tutor_id, '00000000-0000-0000-0000-000000000000'), lower(coalesce(subject, '')));

CREATE TABLE pay_rates (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    tutor_id uuid NOT NULL,
    subject text CHECK (length(subject) BETWEEN 1 AND 200),
    unit text NOT NULL CHECK (unit IN ('hour', 'session')),
    amount_minor bigint NOT NULL CHECK (amount_minor BETWEEN 1 AND 100000000000),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, tutor_id) REFERENCES memberships (workspace_id, user_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX pay_rates_one_per_match ON pay_rates
    (workspace_id, tutor_id, lower(coalesce(subject, '')));

-- The last invoice and credit note numbers of each workspace.
CREATE TABLE finance_numbers (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    last bigint NOT NULL CHECK (last > 0),
    PRIMARY KEY (workspace_id, kind)
);

CREATE TABLE invoices (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    number bigint NOT NULL CHECK (number > 0),
    person_id uuid NOT NULL,
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    total_minor bigint NOT NULL CHECK (total_minor > 0),
    -- What credit notes gave back of it.
    credited_minor bigint NOT NULL DEFAULT 0 CHECK (credited_minor >= 0 AND credited_minor <= total_minor),
    -- The month it bills (its first day), or none for one made on demand.
    month date CHECK (extract(day FROM month) = 1),
    issued_on date NOT NULL,
    due_on date NOT NULL CHECK (due_on >= issued_on),
    entry_id uuid NOT NULL,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT invoices_number UNIQUE (workspace_id, number),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id),
    FOREIGN KEY (workspace_id, entry_id) REFERENCES ledger_entries (workspace_id, id)
);
CREATE INDEX invoices_by_person ON invoices (workspace_id, person_id, issued_on, number);
CREATE INDEX invoices_by_number ON invoices (workspace_id, number DESC);

CREATE TABLE invoice_lines (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    invoice_id uuid NOT NULL,
    line integer NOT NULL CHECK (line > 0),
    person_id uuid NOT NULL,
    session_id uuid NOT NULL,
    description text NOT NULL CHECK (length(description) BETWEEN 1 AND 300),
    -- The session's month in the workspace's zone, its length and host.
    month date NOT NULL CHECK (extract(day FROM month) = 1),
    minutes integer NOT NULL CHECK (minutes > 0),
    tutor_id uuid,
    branch_id uuid,
    unit text NOT NULL CHECK (unit IN ('hour', 'session', 'fee')),
    unit_minor bigint NOT NULL CHECK (unit_minor >= 0),
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    -- The tutor's pay for the session, this student's share of it.
    cost_minor bigint NOT NULL DEFAULT 0 CHECK (cost_minor >= 0),
    credited_minor bigint NOT NULL DEFAULT 0 CHECK (credited_minor >= 0 AND credited_minor <= amount_minor),
    -- Given back whole: the session is free to change and be invoiced again.
    released boolean NOT NULL DEFAULT false,
    PRIMARY KEY (workspace_id, invoice_id, line),
    FOREIGN KEY (workspace_id, invoice_id) REFERENCES invoices (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id)
);
-- A student's session is invoiced once, until given back whole.
CREATE UNIQUE INDEX invoice_lines_once ON invoice_lines (workspace_id, session_id, person_id)
    WHERE NOT released;
CREATE INDEX invoice_lines_by_session ON invoice_lines (workspace_id, session_id);

CREATE TABLE credit_notes (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    number bigint NOT NULL CHECK (number > 0),
    invoice_id uuid NOT NULL,
    person_id uuid NOT NULL,
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    -- What it gave back of each line: [{line, amount_minor}].
    lines jsonb NOT NULL CHECK (jsonb_typeof(lines) = 'array'),
    entry_id uuid NOT NULL,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT credit_notes_number UNIQUE (workspace_id, number),
    FOREIGN KEY (workspace_id, invoice_id) REFERENCES invoices (workspace_id, id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id),
    FOREIGN KEY (workspace_id, entry_id) REFERENCES ledger_entries (workspace_id, id)
);
CREATE INDEX credit_notes_by_invoice ON credit_notes (workspace_id, invoice_id, number);
CREATE INDEX credit_notes_by_number ON credit_notes (workspace_id, number DESC);

-- Revenue, cost and sessions per month, student, tutor and branch: kept by
-- the database from the invoice lines, in their own transaction, so that
-- reports over years read a few thousand rows, never the sessions.
CREATE TABLE finance_months (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    month date NOT NULL,
    person_id uuid NOT NULL,
    tutor_id uuid,
    branch_id uuid,
    currency text NOT NULL,
    revenue_minor bigint NOT NULL DEFAULT 0,
    cost_minor bigint NOT NULL DEFAULT 0,
    sessions integer NOT NULL DEFAULT 0,
    minutes bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT finance_months_key UNIQUE NULLS NOT DISTINCT
        (workspace_id, month, person_id, tutor_id, branch_id, currency),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE
);

CREATE FUNCTION finance_months_add(l invoice_lines, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    cur text;
    counted integer := CASE WHEN l.released THEN 0 ELSE 1 END;
BEGIN
    SELECT currency INTO cur FROM invoices
    WHERE workspace_id = l.workspace_id AND id = l.invoice_id;
    INSERT INTO finance_months AS f
        (workspace_id, month, person_id, tutor_id, branch_id, currency,
         revenue_minor, cost_minor, sessions, minutes)
    VALUES (l.workspace_id, l.month, l.person_id, l.tutor_id, l.branch_id, cur,
            sign * (l.amount_minor - l.credited_minor), sign * counted * l.cost_minor,
            sign * counted, sign * counted * l.minutes)
    ON CONFLICT ON CONSTRAINT finance_months_key DO UPDATE SET
        revenue_minor = f.revenue_minor + EXCLUDED.revenue_minor,
        cost_minor = f.cost_minor + EXCLUDED.cost_minor,
        sessions = f.sessions + EXCLUDED.sessions,
        minutes = f.minutes + EXCLUDED.minutes;
END;
$$;

-- Lines are never deleted but with their workspace, which takes the
-- months with it.
CREATE FUNCTION invoice_lines_roll_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM finance_months_add(OLD, -1);
    END IF;
    PERFORM finance_months_add(NEW, 1);
    RETURN NULL;
END;
$$;
CREATE TRIGGER invoice_lines_roll_up AFTER INSERT OR UPDATE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION invoice_lines_roll_up();

-- An invoiced session keeps what it was invoiced for. Its host may only
-- go (a tutor who leaves the workspace): the lines keep who taught.
CREATE FUNCTION sessions_frozen_when_invoiced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF ((NEW.starts_at, NEW.ends_at, NEW.status, NEW.fee_minor, NEW.fee_currency, NEW.title)
        IS DISTINCT FROM
        (OLD.starts_at, OLD.ends_at, OLD.status, OLD.fee_minor, OLD.fee_currency, OLD.title)
        OR (NEW.host_id IS DISTINCT FROM OLD.host_id AND NEW.host_id IS NOT NULL))
       AND EXISTS (SELECT 1 FROM invoice_lines
                   WHERE workspace_id = OLD.workspace_id AND session_id = OLD.id AND NOT released) THEN
        RAISE EXCEPTION 'an invoiced session does not change: give its line back with a credit note first'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'session_invoiced';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER sessions_frozen_when_invoiced BEFORE UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_frozen_when_invoiced();

-- Nor is a student invoiced for it taken off it (nor the session deleted),
-- until their line is given back whole; a workspace deleted takes all.
CREATE FUNCTION participants_kept_when_invoiced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM invoice_lines
               WHERE workspace_id = OLD.workspace_id AND session_id = OLD.session_id
                 AND person_id = OLD.person_id AND NOT released)
       AND EXISTS (SELECT 1 FROM workspaces WHERE id = OLD.workspace_id) THEN
        RAISE EXCEPTION 'an invoiced student stays on their session: give their line back with a credit note first'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'session_invoiced';
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER participants_kept_when_invoiced BEFORE DELETE ON session_participants
    FOR EACH ROW EXECUTE FUNCTION participants_kept_when_invoiced();

-- Nor does its attendance change whether the student is billed: present,
-- late and not marked are billed alike, absent and excused are not.
CREATE FUNCTION attendance_frozen_when_invoiced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r attendance := CASE WHEN TG_OP = 'INSERT' THEN NEW ELSE OLD END;
    was text := CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.status END;
    now_ text := CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.status END;
BEGIN
    IF (was IS NULL OR was IN ('present', 'late')) = (now_ IS NULL OR now_ IN ('present', 'late')) THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    -- An invoice being made holds its sessions: wait for it.
    PERFORM 1 FROM sessions
    WHERE workspace_id = r.workspace_id AND id = r.session_id FOR SHARE;
    IF EXISTS (SELECT 1 FROM invoice_lines
               WHERE workspace_id = r.workspace_id AND session_id = r.session_id
                 AND person_id = r.person_id AND NOT released)
       AND EXISTS (SELECT 1 FROM workspaces WHERE id = r.workspace_id) THEN
        RAISE EXCEPTION 'an invoiced session''s attendance does not change who is billed: give the line back with a credit note first'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'session_invoiced';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE TRIGGER attendance_frozen_when_invoiced BEFORE INSERT OR UPDATE OR DELETE ON attendance
    FOR EACH ROW EXECUTE FUNCTION attendance_frozen_when_invoiced();
