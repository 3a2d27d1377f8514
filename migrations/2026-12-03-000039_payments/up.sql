-- Tuition: what a school charges and what it is paid, on the ledger.
--
-- A fee plan is a monthly amount for every student of a class, or for one
-- student. Each month, from the plan's first month, the students it covers
-- (in a class: those enrolled on at least one day of the month) are
-- charged once: the charge is unique per plan, person and month, however
-- often the monthly run goes. A charge and a payment each write one entry
-- on the ledger (a charge takes, a payment gives), so the person's money
-- balance is what they owe or have in advance. Payments are applied to the
-- oldest open charge first. Each payment has a receipt whose number is
-- gapless per workspace: it is taken from the workspace's counter in the
-- payment's own transaction, so a payment that fails takes no number.

-- A student's guardians: who receives the receipts and the monthly
-- statements.
CREATE TABLE guardians (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    person_id uuid NOT NULL,
    position smallint NOT NULL CHECK (position BETWEEN 0 AND 3),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    relation text CHECK (length(relation) BETWEEN 1 AND 100),
    email text CHECK (length(email) BETWEEN 3 AND 254),
    phone text CHECK (length(phone) BETWEEN 1 AND 40),
    -- Receipts and statements go to their address.
    receives_mail boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    UNIQUE (workspace_id, person_id, position),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE
);

CREATE TABLE fee_plans (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    amount_minor bigint NOT NULL CHECK (amount_minor BETWEEN 1 AND 100000000000),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- For every student of a class, or for one student.
    group_id uuid,
    person_id uuid,
    -- The first month charged (its first day).
    first_month date NOT NULL CHECK (extract(day FROM first_month) = 1),
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, group_id) REFERENCES groups (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE,
    CHECK ((group_id IS NULL) <> (person_id IS NULL))
);
CREATE INDEX fee_plans_by_name ON fee_plans (workspace_id, name, id);
CREATE INDEX fee_plans_by_group ON fee_plans (workspace_id, group_id) WHERE group_id IS NOT NULL;
CREATE INDEX fee_plans_by_person ON fee_plans (workspace_id, person_id) WHERE person_id IS NOT NULL;

-- A student's discount on every plan (a sibling discount, a scholarship).
CREATE TABLE fee_discounts (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    person_id uuid NOT NULL,
    percent integer NOT NULL CHECK (percent BETWEEN 1 AND 100),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, person_id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id) ON DELETE CASCADE
);

CREATE TABLE tuition_charges (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    person_id uuid NOT NULL,
    plan_id uuid,
    month date NOT NULL CHECK (extract(day FROM month) = 1),
    description text NOT NULL CHECK (length(description) BETWEEN 1 AND 300),
    -- What is charged, the discount taken off already.
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    discount_percent integer NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 99),
    entry_id uuid NOT NULL,
    -- Waived: its entry is compensated, it no longer counts.
    voided_at timestamptz,
    void_reason text CHECK (length(void_reason) BETWEEN 1 AND 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    -- Charged once a month per plan and person, however often the run goes.
    CONSTRAINT tuition_charged_once UNIQUE (workspace_id, plan_id, person_id, month),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id),
    FOREIGN KEY (workspace_id, plan_id) REFERENCES fee_plans (workspace_id, id)
        ON DELETE SET NULL (plan_id),
    FOREIGN KEY (workspace_id, entry_id) REFERENCES ledger_entries (workspace_id, id),
    CHECK ((voided_at IS NULL) = (void_reason IS NULL))
);
CREATE INDEX tuition_charges_by_person ON tuition_charges (workspace_id, person_id, month, created_at);
CREATE INDEX tuition_charges_by_month ON tuition_charges (workspace_id, month, id);
CREATE INDEX tuition_charges_by_time ON tuition_charges (workspace_id, created_at, id);

CREATE TABLE payments (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    person_id uuid NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor BETWEEN 1 AND 100000000000),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    method text NOT NULL CHECK (method IN ('cash', 'card', 'transfer')),
    paid_on date NOT NULL,
    note text CHECK (length(note) BETWEEN 1 AND 500),
    receipt_number bigint NOT NULL CHECK (receipt_number > 0),
    -- What it paid when it was recorded, oldest charge first: the receipt
    -- says it, and it does not change.
    applied jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(applied) = 'array'),
    entry_id uuid NOT NULL,
    recorded_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, id),
    CONSTRAINT payments_receipt_number UNIQUE (workspace_id, receipt_number),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id),
    FOREIGN KEY (workspace_id, entry_id) REFERENCES ledger_entries (workspace_id, id)
);
CREATE INDEX payments_by_time ON payments (workspace_id, created_at, id);
CREATE INDEX payments_by_person ON payments (workspace_id, person_id, created_at);

-- The last receipt number of each workspace.
CREATE TABLE receipt_numbers (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    last bigint NOT NULL CHECK (last > 0),
    PRIMARY KEY (workspace_id)
);

-- A person with charges or payments is kept when the deleted are purged:
-- each has an entry on the ledger (people_keep_ledger).

-- A file sent with a message (a receipt).
ALTER TABLE mail_messages
    ADD COLUMN attachment_name text CHECK (length(attachment_name) BETWEEN 1 AND 200),
    ADD COLUMN attachment bytea CHECK (octet_length(attachment) <= 1048576),
    ADD CHECK ((attachment_name IS NULL) = (attachment IS NULL));
