DROP TABLE member_branches;
DROP INDEX people_by_branch;
ALTER TABLE people DROP CONSTRAINT people_branch, DROP COLUMN branch_id;
DROP TABLE branches;
