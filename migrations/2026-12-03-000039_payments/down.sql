ALTER TABLE mail_messages DROP COLUMN attachment_name, DROP COLUMN attachment;
DROP TABLE receipt_numbers;
DROP TABLE payments;
DROP TABLE tuition_charges;
DROP TABLE fee_discounts;
DROP TABLE fee_plans;
DROP TABLE guardians;
