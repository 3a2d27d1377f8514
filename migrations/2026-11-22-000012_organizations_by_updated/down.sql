DROP INDEX organizations_by_updated;
