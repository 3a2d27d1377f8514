ALTER TABLE invoices DROP COLUMN sent_at;
