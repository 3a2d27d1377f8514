DROP TRIGGER people_keep_ledger ON people;
DROP FUNCTION people_keep_ledger();
DROP TABLE ledger_balances;
DROP TABLE ledger_entries;
DROP FUNCTION ledger_balances_kept();
DROP FUNCTION ledger_append_only();
DROP FUNCTION ledger_balance();
DROP FUNCTION ledger_check_correction();
