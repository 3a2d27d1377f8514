-- An item's picture, uploaded: kept apart from the item so that lists of
-- items never carry the bytes. The item names the picture by its SHA-256,
-- which versions its address (a new picture is a new address, so the old
-- one may be cached forever). An item has an uploaded picture or a link to
-- one elsewhere, not both.
CREATE TABLE store_item_images (
    workspace_id uuid NOT NULL,
    item_id uuid NOT NULL,
    content_type text NOT NULL
        CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp', 'image/gif')),
    bytes bytea NOT NULL CHECK (octet_length(bytes) BETWEEN 1 AND 1048576),
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (workspace_id, item_id),
    FOREIGN KEY (workspace_id, item_id) REFERENCES store_items (workspace_id, id) ON DELETE CASCADE
);

ALTER TABLE store_items
    ADD COLUMN image_sha256 text CHECK (image_sha256 ~ '^[0-9a-f]{64}$'),
    ADD CONSTRAINT store_items_one_image CHECK (image_sha256 IS NULL OR image_url IS NULL);
