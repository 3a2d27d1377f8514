DROP INDEX organizations_by_lower_name;
DROP TABLE imported_people;
DROP TABLE import_mappings;
DROP TABLE import_rejections;
DROP TABLE imports;
