DROP INDEX people_prefix_email;
DROP INDEX people_prefix_first_name;
DROP INDEX people_prefix_name;
ALTER TABLE people ALTER COLUMN sort_name TYPE text COLLATE "default";
