DROP TABLE store_orders;
DROP TABLE store_items;
