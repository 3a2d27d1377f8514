ALTER TABLE store_items DROP COLUMN image_sha256;
DROP TABLE store_item_images;
