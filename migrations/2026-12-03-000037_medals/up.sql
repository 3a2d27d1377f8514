-- How a workspace gives medals (the medals themselves are ledger entries):
-- a bronze for each lesson a student is present at, the monthly limits of
-- what one teacher awards one student, a cap per student, and the rate at
-- which bronze is exchanged for silver. A workspace without a row has the
-- defaults.
CREATE TABLE medal_settings (
    workspace_id uuid PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    attendance_bronze boolean NOT NULL DEFAULT true,
    gold_per_month integer NOT NULL DEFAULT 1 CHECK (gold_per_month BETWEEN 0 AND 1000),
    silver_per_month integer NOT NULL DEFAULT 2 CHECK (silver_per_month BETWEEN 0 AND 1000),
    bronze_per_month integer NOT NULL DEFAULT 5 CHECK (bronze_per_month BETWEEN 0 AND 1000),
    student_cap_per_month integer CHECK (student_cap_per_month BETWEEN 0 AND 1000),
    bronze_per_silver integer CHECK (bronze_per_silver BETWEEN 2 AND 1000),
    updated_at timestamptz NOT NULL DEFAULT now()
);
