-- Workspace secrets (SPEC §13), PostgreSQL dialect; mirrors sqlite/migrations/008_secrets.sql.
CREATE TABLE secrets (
  workspace_id  integer NOT NULL REFERENCES workspaces (id),
  name          text    COLLATE "C" NOT NULL,
  sealed        text    NOT NULL,
  created_at    bigint  NOT NULL,
  updated_at    bigint  NOT NULL,
  last_used_at  bigint,
  PRIMARY KEY (workspace_id, name)
);
