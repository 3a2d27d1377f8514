DROP TABLE booking_rules;
DROP TABLE availability;
