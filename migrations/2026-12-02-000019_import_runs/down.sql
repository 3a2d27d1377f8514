ALTER TABLE imports DROP COLUMN run_token;
