-- Data written into a schema at version 1 (00001_init.sql) to make the
-- committed fixtures v1.sqlite and v1.postgres.sql; the same statements run
-- on both dialects. It is what Roster at version 1 would have stored: each
-- tenant's revision is the count of its audit events (one per write).
INSERT INTO tenants (id, name, assignment_mode, revision, created_at, updated_at) VALUES
  ('default', 'Default', 'multiple', 4, 1700000000000000, 1700000000000000),
  ('acme', 'Acme Corp', 'single', 6, 1700000100000000, 1700000900000000);

INSERT INTO roles (tenant_id, id, name, name_key, display_name, description, system, permissions, assignable, is_default, metadata, version, created_at, updated_at) VALUES
  ('default', 'role_admin', 'admin', 'admin', 'Administrator', 'Every permission in the tenant.', TRUE, '["*:*"]', FALSE, FALSE, NULL, 1, 1700000000000000, 1700000000000000),
  ('default', 'role_member', 'member', 'member', 'Member', 'Held by every active user.', TRUE, '[]', FALSE, TRUE, NULL, 1, 1700000000000000, 1700000000000000),
  ('default', 'role_viewer', 'viewer', 'viewer', 'Viewer', '', FALSE, '["docs:read"]', TRUE, FALSE, NULL, 1, 1700000010000000, 1700000010000000),
  ('default', 'role_editor', 'Editor', 'editor', 'Editor', 'Edits documents', FALSE, '["docs:write"]', TRUE, FALSE, '{"team":"docs"}', 2, 1700000020000000, 1700000030000000),
  ('acme', 'role_admin', 'admin', 'admin', 'Administrator', 'Every permission in the tenant.', TRUE, '["*:*"]', FALSE, FALSE, NULL, 1, 1700000100000000, 1700000100000000),
  ('acme', 'role_member', 'member', 'member', 'Member', 'Held by every active user.', TRUE, '["profile:read"]', FALSE, TRUE, NULL, 2, 1700000100000000, 1700000200000000),
  ('acme', 'role_billing', 'billing', 'billing', 'Billing', '', FALSE, '["invoices:*"]', TRUE, FALSE, NULL, 1, 1700000300000000, 1700000300000000);

INSERT INTO role_parents (tenant_id, role_id, parent_id) VALUES
  ('default', 'role_editor', 'role_viewer');

INSERT INTO users (tenant_id, id, email, email_key, first_name, last_name, external_user_id, status, version, created_at, updated_at) VALUES
  ('default', 'usr_AAAAAAAAAAAAAAAAAAAAAA', 'Ada@Example.test', 'ada@example.test', 'Ada', 'Lovelace', 'ext-1', 'active', 2, 1700000040000000, 1700000050000000),
  ('acme', 'usr_BBBBBBBBBBBBBBBBBBBBBB', 'bob@acme.test', 'bob@acme.test', 'Bob', '', NULL, 'active', 1, 1700000400000000, 1700000400000000),
  ('acme', 'usr_CCCCCCCCCCCCCCCCCCCCCC', 'cy@acme.test', 'cy@acme.test', '', '', NULL, 'disabled', 3, 1700000500000000, 1700000900000000);

INSERT INTO organizations (tenant_id, id, name, external_id, version, created_at, updated_at) VALUES
  ('acme', 'org_DDDDDDDDDDDDDDDDDDDDDD', 'Acme EU', 'eu', 1, 1700000600000000, 1700000600000000);

INSERT INTO assignments (tenant_id, user_id, role_id, org_id, not_before, expires_at, reason, assigned_by, assigned_at) VALUES
  ('default', 'usr_AAAAAAAAAAAAAAAAAAAAAA', 'role_editor', '', NULL, NULL, 'onboarding', 'operator', 1700000050000000),
  ('acme', 'usr_BBBBBBBBBBBBBBBBBBBBBB', 'role_billing', '', NULL, 4102444800000000, '', 'operator', 1700000700000000),
  ('acme', 'usr_BBBBBBBBBBBBBBBBBBBBBB', 'role_billing', 'org_DDDDDDDDDDDDDDDDDDDDDD', 1700000000000000, NULL, 'eu desk', 'operator', 1700000800000000);

INSERT INTO tokens (id, tenant_id, user_id, name, hash, scopes, expires_at, last_used_at, created_at) VALUES
  ('tok_operator', NULL, NULL, 'operator', '0f00000000000000000000000000000000000000000000000000000000000001', NULL, NULL, 1700000000500000, 1700000000000000),
  ('tok_EEEEEEEEEEEEEEEEEEEEEE', 'acme', 'usr_BBBBBBBBBBBBBBBBBBBBBB', 'ci', '0f00000000000000000000000000000000000000000000000000000000000002', '["invoices:read"]', 4102444800000000, NULL, 1700000850000000);

INSERT INTO audit_events (tenant_id, id, at, actor_id, action, target_type, target_id, details) VALUES
  ('default', 'evt_01', 1700000000000000, 'operator', 'tenant.create', 'tenant', 'default', '{"name":"Default","assignment_mode":"multiple"}'),
  ('acme', 'evt_02', 1700000100000000, 'operator', 'tenant.create', 'tenant', 'acme', '{"name":"Acme Corp","assignment_mode":"multiple"}'),
  ('default', 'evt_03', 1700000010000000, 'operator', 'role.create', 'role', 'role_viewer', '{}'),
  ('default', 'evt_04', 1700000020000000, 'operator', 'role.create', 'role', 'role_editor', '{}'),
  ('acme', 'evt_05', 1700000200000000, 'operator', 'role.update', 'role', 'role_member', '{}'),
  ('acme', 'evt_06', 1700000300000000, 'operator', 'role.create', 'role', 'role_billing', '{}'),
  ('default', 'evt_07', 1700000050000000, 'operator', 'user.create', 'user', 'usr_AAAAAAAAAAAAAAAAAAAAAA', '{"roles":["role_editor"]}'),
  ('acme', 'evt_08', 1700000400000000, 'operator', 'user.create', 'user', 'usr_BBBBBBBBBBBBBBBBBBBBBB', '{}'),
  ('acme', 'evt_09', 1700000600000000, 'operator', 'organization.create', 'organization', 'org_DDDDDDDDDDDDDDDDDDDDDD', '{}'),
  ('acme', 'evt_10', 1700000900000000, 'operator', 'tenant.update', 'tenant', 'acme', '{"assignment_mode":"single"}');
