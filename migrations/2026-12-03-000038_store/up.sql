-- The reward store: items priced in medals, bought by students with their
-- balances. A purchase takes the stock and the medals in one transaction
-- (the stock never below zero, the medals never below zero: both checked
-- by the database), and an order is placed, then fulfilled by an admin or
-- cancelled with its medals refunded and its stock put back.
CREATE TABLE store_items (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text CHECK (length(description) <= 2000),
    image_url text CHECK (image_url ~ '^https?://' AND length(image_url) <= 2000),
    price_gold integer NOT NULL DEFAULT 0 CHECK (price_gold BETWEEN 0 AND 1000),
    price_silver integer NOT NULL DEFAULT 0 CHECK (price_silver BETWEEN 0 AND 1000),
    price_bronze integer NOT NULL DEFAULT 0 CHECK (price_bronze BETWEEN 0 AND 1000),
    stock integer NOT NULL CHECK (stock BETWEEN 0 AND 100000),
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    CHECK (price_gold + price_silver + price_bronze > 0)
);
CREATE INDEX store_items_by_name ON store_items (workspace_id, name, id);

CREATE TABLE store_orders (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    item_id uuid NOT NULL,
    person_id uuid NOT NULL,
    quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 100),
    -- What one cost when bought.
    price_gold integer NOT NULL,
    price_silver integer NOT NULL,
    price_bronze integer NOT NULL,
    status text NOT NULL DEFAULT 'placed' CHECK (status IN ('placed', 'fulfilled', 'cancelled')),
    cancel_reason text CHECK (length(cancel_reason) BETWEEN 1 AND 500),
    placed_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, item_id) REFERENCES store_items (workspace_id, id),
    FOREIGN KEY (workspace_id, person_id) REFERENCES people (workspace_id, id),
    CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL))
);
CREATE INDEX store_orders_by_time ON store_orders (workspace_id, created_at, id);
CREATE INDEX store_orders_by_person ON store_orders (workspace_id, person_id, created_at);
