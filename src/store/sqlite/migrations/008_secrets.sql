-- Workspace secrets (SPEC §13): values sealed with AES-256-GCM by the service; never in clear here.
CREATE TABLE secrets (
  workspace_id  INTEGER NOT NULL REFERENCES workspaces(id),
  name          TEXT    NOT NULL,
  sealed        TEXT    NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  last_used_at  INTEGER,
  PRIMARY KEY (workspace_id, name)
);
