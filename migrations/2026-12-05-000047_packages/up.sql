-- Packages: sessions a student pays for in advance ("10 sessions of maths
-- for 400.00"). Selling one issues its invoice at once (one line, the
-- package's price, revenue of the month it is sold). From then on each of
-- the student's sessions that is completed, and in which they count
-- (present, late or not marked), draws one session from their package,
-- in the database and in the transaction that completes it, so that two
-- sessions logged at once never draw more than is left: the package row
-- is locked and `used` can never pass `sessions`. A drawn session is
-- prepaid: invoice runs do not bill it, they settle it (its tutor's pay
-- becomes cost of its month). A session that stops counting (no longer
-- completed, the student marked absent or taken off it) gives its session
-- back. A package whose invoice line is credited whole draws no more.

CREATE TABLE packages (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    person_id uuid NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- For sessions of this title only (in any case), when set.
    subject text CHECK (length(subject) BETWEEN 1 AND 200),
    sessions integer NOT NULL CHECK (sessions BETWEEN 1 AND 1000),
    used integer NOT NULL DEFAULT 0,
    price_minor bigint NOT NULL CHECK (price_minor BETWEEN 1 AND 100000000000),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- Sessions of this day on (the day it was sold, in the workspace's
    -- zone) draw on it, up to its last day when set.
    starts_on date NOT NULL,
    expires_on date CHECK (expires_on >= starts_on),
    invoice_id uuid NOT NULL,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT packages_used CHECK (used BETWEEN 0 AND sessions),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id),
    FOREIGN KEY (workspace_id, invoice_id) REFERENCES invoices (workspace_id, id)
);
CREATE INDEX packages_by_person ON packages (workspace_id, person_id, created_at);
CREATE INDEX packages_by_created ON packages (workspace_id, created_at DESC, id DESC);

-- An invoice line is a session, or a package sold.
ALTER TABLE invoice_lines
    ALTER COLUMN session_id DROP NOT NULL,
    ADD COLUMN package_id uuid,
    -- Deferred: a package and its invoice are made together.
    ADD CONSTRAINT invoice_lines_package FOREIGN KEY (workspace_id, package_id)
        REFERENCES packages (workspace_id, id) DEFERRABLE INITIALLY DEFERRED,
    ADD CONSTRAINT invoice_lines_one_thing CHECK ((session_id IS NULL) <> (package_id IS NULL)),
    DROP CONSTRAINT invoice_lines_unit_check,
    ADD CONSTRAINT invoice_lines_unit_check CHECK (unit IN ('hour', 'session', 'fee', 'package')),
    DROP CONSTRAINT invoice_lines_minutes_check,
    ADD CONSTRAINT invoice_lines_minutes_check CHECK (minutes > 0 OR package_id IS NOT NULL AND minutes = 0);
CREATE INDEX invoice_lines_by_package ON invoice_lines (workspace_id, package_id)
    WHERE package_id IS NOT NULL;

-- A package sold counts as revenue, not as a session.
CREATE OR REPLACE FUNCTION finance_months_add(l invoice_lines, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    cur text;
    counted integer := CASE WHEN l.released OR l.session_id IS NULL THEN 0 ELSE 1 END;
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

-- A student's session drawn from a package. Settled by an invoice run:
-- then its month, length, tutor, branch and tutor's pay are known and
-- count in the monthly figures (cost, no revenue: that came with the sale).
CREATE TABLE package_uses (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    session_id uuid NOT NULL,
    person_id uuid NOT NULL,
    package_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    settled boolean NOT NULL DEFAULT false,
    month date CHECK (extract(day FROM month) = 1),
    minutes integer NOT NULL DEFAULT 0 CHECK (minutes >= 0),
    tutor_id uuid,
    branch_id uuid,
    cost_minor bigint NOT NULL DEFAULT 0 CHECK (cost_minor >= 0),
    PRIMARY KEY (workspace_id, session_id, person_id),
    CONSTRAINT package_uses_settled CHECK (NOT settled OR month IS NOT NULL),
    FOREIGN KEY (workspace_id, session_id, person_id)
        REFERENCES session_participants (workspace_id, session_id, person_id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, package_id) REFERENCES packages (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX package_uses_by_package ON package_uses (workspace_id, package_id, created_at);

CREATE FUNCTION finance_months_use(u package_uses, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    cur text;
BEGIN
    -- A workspace or student being deleted takes their figures with them.
    IF NOT EXISTS (SELECT 1 FROM people WHERE workspace_id = u.workspace_id AND id = u.person_id) THEN
        RETURN;
    END IF;
    SELECT currency INTO cur FROM packages WHERE workspace_id = u.workspace_id AND id = u.package_id;
    IF cur IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO finance_months AS f
        (workspace_id, month, person_id, tutor_id, branch_id, currency,
         revenue_minor, cost_minor, sessions, minutes)
    VALUES (u.workspace_id, u.month, u.person_id, u.tutor_id, u.branch_id, cur,
            0, sign * u.cost_minor, sign, sign * u.minutes)
    ON CONFLICT ON CONSTRAINT finance_months_key DO UPDATE SET
        cost_minor = f.cost_minor + EXCLUDED.cost_minor,
        sessions = f.sessions + EXCLUDED.sessions,
        minutes = f.minutes + EXCLUDED.minutes;
END;
$$;

-- `used` follows the uses; settled uses follow into the monthly figures.
CREATE FUNCTION package_uses_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE packages SET used = used + 1
        WHERE workspace_id = NEW.workspace_id AND id = NEW.package_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE packages SET used = used - 1
        WHERE workspace_id = OLD.workspace_id AND id = OLD.package_id;
        IF OLD.settled THEN
            PERFORM finance_months_use(OLD, -1);
        END IF;
    ELSE
        IF OLD.settled THEN
            PERFORM finance_months_use(OLD, -1);
        END IF;
        IF NEW.settled THEN
            PERFORM finance_months_use(NEW, 1);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER package_uses_count AFTER INSERT OR UPDATE OR DELETE ON package_uses
    FOR EACH ROW EXECUTE FUNCTION package_uses_count();

-- Draws one session of `who`'s at session `sess` from the package that
-- suits it (for its subject first, then the one that expires first, then
-- the oldest), if the student has one with sessions left and the session
-- is not drawn or invoiced already and has no fee of its own. The chosen
-- package is locked: a draw made at the same time waits, then sees what
-- is left.
CREATE FUNCTION package_draw(ws uuid, sess uuid, who uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    s sessions;
    day date;
    pid uuid;
BEGIN
    -- Only a student of the session (not one being taken off it) draws.
    IF NOT EXISTS (SELECT 1 FROM session_participants
                   WHERE workspace_id = ws AND session_id = sess AND person_id = who)
       OR EXISTS (SELECT 1 FROM package_uses
               WHERE workspace_id = ws AND session_id = sess AND person_id = who)
       OR EXISTS (SELECT 1 FROM invoice_lines
                  WHERE workspace_id = ws AND session_id = sess AND person_id = who AND NOT released)
       OR NOT EXISTS (SELECT 1 FROM packages WHERE workspace_id = ws AND person_id = who) THEN
        RETURN;
    END IF;
    SELECT * INTO s FROM sessions WHERE workspace_id = ws AND id = sess;
    IF s.fee_minor IS NOT NULL THEN
        RETURN;
    END IF;
    SELECT (s.starts_at AT TIME ZONE w.time_zone)::date INTO day FROM workspaces w WHERE w.id = ws;
    SELECT p.id INTO pid FROM packages p
    WHERE p.workspace_id = ws AND p.person_id = who AND p.used < p.sessions
      AND p.starts_on <= day AND (p.expires_on IS NULL OR p.expires_on >= day)
      AND (p.subject IS NULL OR lower(p.subject) = lower(s.title))
      AND NOT EXISTS (SELECT 1 FROM invoice_lines l
                      WHERE l.workspace_id = ws AND l.package_id = p.id AND l.released)
    ORDER BY (p.subject IS NOT NULL) DESC, p.expires_on NULLS LAST, p.created_at, p.id
    LIMIT 1
    FOR UPDATE OF p;
    IF pid IS NOT NULL THEN
        INSERT INTO package_uses (workspace_id, session_id, person_id, package_id)
        VALUES (ws, sess, who, pid)
        ON CONFLICT DO NOTHING;
    END IF;
END;
$$;

-- A session completed draws for each student who counts; one that stops
-- being completed gives back. A completed session whose title, time or fee
-- changes draws anew what is not settled yet (the package that suits it
-- may have changed). The packages of all its students are locked first,
-- in one order (by student, then package), so that two sessions of the
-- same students drawing at once wait for each other and never deadlock.
CREATE FUNCTION sessions_draw_packages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'completed' AND OLD.status <> 'completed' THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM packages p
    WHERE p.workspace_id = NEW.workspace_id
      AND p.person_id IN (SELECT sp.person_id FROM session_participants sp
                          WHERE sp.workspace_id = NEW.workspace_id AND sp.session_id = NEW.id)
    ORDER BY p.person_id, p.id
    FOR UPDATE;
    IF OLD.status = 'completed' AND (NEW.status <> 'completed'
        OR (NEW.title, NEW.starts_at, NEW.fee_minor) IS DISTINCT FROM (OLD.title, OLD.starts_at, OLD.fee_minor)) THEN
        DELETE FROM package_uses
        WHERE workspace_id = NEW.workspace_id AND session_id = NEW.id
          AND (NEW.status <> 'completed' OR NOT settled);
    END IF;
    IF NEW.status = 'completed' THEN
        PERFORM package_draw(NEW.workspace_id, NEW.id, sp.person_id)
        FROM session_participants sp
        LEFT JOIN attendance a ON a.workspace_id = sp.workspace_id
            AND a.session_id = sp.session_id AND a.person_id = sp.person_id
        WHERE sp.workspace_id = NEW.workspace_id AND sp.session_id = NEW.id
          AND (a.status IS NULL OR a.status IN ('present', 'late'))
        ORDER BY sp.person_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER sessions_draw_packages AFTER UPDATE OF status, title, starts_at, fee_minor ON sessions
    FOR EACH ROW EXECUTE FUNCTION sessions_draw_packages();

-- A student added to a completed session draws (a session inserted as
-- completed gets its students after it).
CREATE FUNCTION participants_draw_packages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM sessions
               WHERE workspace_id = NEW.workspace_id AND id = NEW.session_id AND status = 'completed') THEN
        PERFORM package_draw(NEW.workspace_id, NEW.session_id, NEW.person_id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER participants_draw_packages AFTER INSERT ON session_participants
    FOR EACH ROW EXECUTE FUNCTION participants_draw_packages();

-- Marking a student absent or excused gives their session back; present,
-- late or not marked again draws it.
CREATE FUNCTION attendance_draws_packages() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r attendance := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    was boolean := CASE WHEN TG_OP = 'INSERT' THEN true ELSE OLD.status IN ('present', 'late') END;
    now_ boolean := CASE WHEN TG_OP = 'DELETE' THEN true ELSE NEW.status IN ('present', 'late') END;
BEGIN
    IF was = now_ OR NOT EXISTS (
           SELECT 1 FROM sessions
           WHERE workspace_id = r.workspace_id AND id = r.session_id AND status = 'completed') THEN
        RETURN NULL;
    END IF;
    IF now_ THEN
        PERFORM package_draw(r.workspace_id, r.session_id, r.person_id);
    ELSE
        DELETE FROM package_uses
        WHERE workspace_id = r.workspace_id AND session_id = r.session_id AND person_id = r.person_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER attendance_draws_packages AFTER INSERT OR UPDATE OR DELETE ON attendance
    FOR EACH ROW EXECUTE FUNCTION attendance_draws_packages();
