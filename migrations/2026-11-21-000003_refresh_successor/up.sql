-- The token that replaced a refresh token when it was used: a client that lost
-- the answer of a rotation (a reload mid-request) may present the old token
-- again within a short grace period, and its unused successor is then
-- replaced instead of the whole family being revoked.
ALTER TABLE refresh_tokens ADD COLUMN replaced_by uuid;
