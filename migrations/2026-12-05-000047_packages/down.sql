-- Packages sold cannot be taken out without rewriting the books they are
-- in (their invoices, ledger entries and monthly figures): refuse.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM packages) THEN
        RAISE EXCEPTION 'packages have been sold: their invoices and figures would be left wrong';
    END IF;
END;
$$;
DROP TRIGGER attendance_draws_packages ON attendance;
DROP FUNCTION attendance_draws_packages();
DROP TRIGGER participants_draw_packages ON session_participants;
DROP FUNCTION participants_draw_packages();
DROP TRIGGER sessions_draw_packages ON sessions;
DROP FUNCTION sessions_draw_packages();
DROP FUNCTION package_draw(uuid, uuid, uuid);
DROP TRIGGER package_uses_count ON package_uses;
DROP FUNCTION package_uses_count();
DROP FUNCTION finance_months_use(package_uses, integer);
DROP TABLE package_uses;
CREATE OR REPLACE FUNCTION finance_months_add(l invoice_lines, sign integer) RETURNS void
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
ALTER TABLE invoice_lines
    DROP CONSTRAINT invoice_lines_minutes_check,
    ADD CONSTRAINT invoice_lines_minutes_check CHECK (minutes > 0),
    DROP CONSTRAINT invoice_lines_unit_check,
    ADD CONSTRAINT invoice_lines_unit_check CHECK (unit IN ('hour', 'session', 'fee')),
    DROP CONSTRAINT invoice_lines_one_thing,
    DROP CONSTRAINT invoice_lines_package,
    DROP COLUMN package_id,
    ALTER COLUMN session_id SET NOT NULL;
DROP TABLE packages;
