CREATE OR REPLACE FUNCTION finance_months_use(u package_uses, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    cur text;
BEGIN
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
DROP FUNCTION finance_figures_add(uuid, date, uuid, uuid, uuid, text, bigint, bigint, integer, bigint);
DROP TABLE finance_years;
DROP TABLE finance_totals;
