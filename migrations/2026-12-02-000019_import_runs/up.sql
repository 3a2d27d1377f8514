-- The run that owns an import: a run begins by taking a new token, and each
-- of its batches goes on only while the token is still its own, so a run
-- given up for lost and started again never writes beside its successor.
ALTER TABLE imports ADD COLUMN run_token uuid;
