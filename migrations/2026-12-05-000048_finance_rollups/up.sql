-- Coarser figures beside `finance_months`, kept by the same triggers in
-- the same transaction, so that reports over years add up a few thousand
-- rows: `finance_totals` has no student (reports by month, tutor and
-- branch read it) and `finance_years` adds up whole calendar years per
-- student (a report by student reads the years its range covers whole,
-- and the months at either end).

CREATE TABLE finance_totals (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    month date NOT NULL,
    tutor_id uuid,
    branch_id uuid,
    currency text NOT NULL,
    revenue_minor bigint NOT NULL DEFAULT 0,
    cost_minor bigint NOT NULL DEFAULT 0,
    sessions integer NOT NULL DEFAULT 0,
    minutes bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT finance_totals_key UNIQUE NULLS NOT DISTINCT
        (workspace_id, month, tutor_id, branch_id, currency)
);

CREATE TABLE finance_years (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id bigint GENERATED ALWAYS AS IDENTITY,
    -- Its first day.
    year date NOT NULL CHECK (extract(doy FROM year) = 1),
    person_id uuid NOT NULL,
    tutor_id uuid,
    branch_id uuid,
    currency text NOT NULL,
    revenue_minor bigint NOT NULL DEFAULT 0,
    cost_minor bigint NOT NULL DEFAULT 0,
    sessions integer NOT NULL DEFAULT 0,
    minutes bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT finance_years_key UNIQUE NULLS NOT DISTINCT
        (workspace_id, year, person_id, tutor_id, branch_id, currency),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE
);

INSERT INTO finance_totals (workspace_id, month, tutor_id, branch_id, currency,
                            revenue_minor, cost_minor, sessions, minutes)
SELECT workspace_id, month, tutor_id, branch_id, currency,
       sum(revenue_minor), sum(cost_minor), sum(sessions), sum(minutes)
FROM finance_months GROUP BY workspace_id, month, tutor_id, branch_id, currency;

INSERT INTO finance_years (workspace_id, year, person_id, tutor_id, branch_id, currency,
                           revenue_minor, cost_minor, sessions, minutes)
SELECT workspace_id, date_trunc('year', month)::date, person_id, tutor_id, branch_id, currency,
       sum(revenue_minor), sum(cost_minor), sum(sessions), sum(minutes)
FROM finance_months GROUP BY 1, 2, 3, 4, 5, 6;

-- Adds one change to the three tables of figures.
CREATE FUNCTION finance_figures_add(
    ws uuid, m date, person uuid, tutor uuid, branch uuid, cur text,
    revenue bigint, cost bigint, n integer, mins bigint
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO finance_months AS f
        (workspace_id, month, person_id, tutor_id, branch_id, currency,
         revenue_minor, cost_minor, sessions, minutes)
    VALUES (ws, m, person, tutor, branch, cur, revenue, cost, n, mins)
    ON CONFLICT ON CONSTRAINT finance_months_key DO UPDATE SET
        revenue_minor = f.revenue_minor + EXCLUDED.revenue_minor,
        cost_minor = f.cost_minor + EXCLUDED.cost_minor,
        sessions = f.sessions + EXCLUDED.sessions,
        minutes = f.minutes + EXCLUDED.minutes;
    INSERT INTO finance_totals AS f
        (workspace_id, month, tutor_id, branch_id, currency,
         revenue_minor, cost_minor, sessions, minutes)
    VALUES (ws, m, tutor, branch, cur, revenue, cost, n, mins)
    ON CONFLICT ON CONSTRAINT finance_totals_key DO UPDATE SET
        revenue_minor = f.revenue_minor + EXCLUDED.revenue_minor,
        cost_minor = f.cost_minor + EXCLUDED.cost_minor,
        sessions = f.sessions + EXCLUDED.sessions,
        minutes = f.minutes + EXCLUDED.minutes;
    INSERT INTO finance_years AS f
        (workspace_id, year, person_id, tutor_id, branch_id, currency,
         revenue_minor, cost_minor, sessions, minutes)
    VALUES (ws, date_trunc('year', m)::date, person, tutor, branch, cur, revenue, cost, n, mins)
    ON CONFLICT ON CONSTRAINT finance_years_key DO UPDATE SET
        revenue_minor = f.revenue_minor + EXCLUDED.revenue_minor,
        cost_minor = f.cost_minor + EXCLUDED.cost_minor,
        sessions = f.sessions + EXCLUDED.sessions,
        minutes = f.minutes + EXCLUDED.minutes;
END;
$$;

CREATE OR REPLACE FUNCTION finance_months_add(l invoice_lines, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    cur text;
    counted integer := CASE WHEN l.released OR l.session_id IS NULL THEN 0 ELSE 1 END;
BEGIN
    SELECT currency INTO cur FROM invoices
    WHERE workspace_id = l.workspace_id AND id = l.invoice_id;
    PERFORM finance_figures_add(l.workspace_id, l.month, l.person_id, l.tutor_id, l.branch_id, cur,
        sign * (l.amount_minor - l.credited_minor), sign * counted * l.cost_minor,
        sign * counted, sign * counted * l.minutes);
END;
$$;

CREATE OR REPLACE FUNCTION finance_months_use(u package_uses, sign integer) RETURNS void
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
    PERFORM finance_figures_add(u.workspace_id, u.month, u.person_id, u.tutor_id, u.branch_id, cur,
        0, sign * u.cost_minor, sign, sign * u.minutes);
END;
$$;
