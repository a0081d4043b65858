-- Issue 10: nothing to change on SQLite. PostgreSQL's migration 024 adds a function that writes
-- a limited workspace's group of creates in one statement (its counters read after the
-- workspace lock); SQLite has one writer, so its group commit already judges and writes such a
-- group inside one transaction. This file keeps the two dialects' migration lists paired (the
-- import from SQLite to PostgreSQL checks that the SQLite file has every PostgreSQL migration).
SELECT 1;
