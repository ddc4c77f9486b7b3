-- Data written into a schema at version 3 (00001..00003) to make the committed
-- fixtures v3.sqlite and v3.postgres.sql: version 2's data (v2_data.sql, below),
-- and the minter version 3 records for the token the administrator minted for bob.

-- Data written into a schema at version 2 (00001_init.sql, 00002_groups.sql)
-- to make the committed fixtures v2.sqlite and v2.postgres.sql; the same
-- statements run on both dialects. It is what Roster at version 2 would have
-- stored: every write is one audit event, inserted in commit order; each
-- event carries the revision it moved its tenant to (1..n per tenant), and a
-- tenant's revision is its last event's. Rows carry the versions and times
-- those writes left, and details the shape each write recorded.
--
-- default: no administrator; a group holding role_editor for two users.
-- acme (single mode, created with an administrator): a scoped direct
-- assignment, a group with global and organization-scoped grants, an empty
-- group with a pending grant, a token the administrator minted for bob (no
-- one recorded who minted tokens before version 3) and one bob minted with
-- it for himself, a disabled user.
INSERT INTO tenants (id, name, assignment_mode, revision, created_at, updated_at) VALUES
  ('default', 'Default', 'multiple', 8, 1710000000000000, 1710000000000000),
  ('acme', 'Acme Corp', 'single', 18, 1710000100000000, 1710001100000000);

INSERT INTO roles (tenant_id, id, name, name_key, display_name, description, system, permissions, assignable, is_default, metadata, version, created_at, updated_at) VALUES
  ('default', 'role_admin', 'admin', 'admin', 'Administrator', 'Every permission in the tenant.', TRUE, '["*:*"]', FALSE, FALSE, NULL, 1, 1710000000000000, 1710000000000000),
  ('default', 'role_member', 'member', 'member', 'Member', 'Held by every active user.', TRUE, '[]', FALSE, TRUE, NULL, 1, 1710000000000000, 1710000000000000),
  ('default', 'role_viewer', 'viewer', 'viewer', 'Viewer', '', FALSE, '["docs:read"]', TRUE, FALSE, NULL, 1, 1710000200000000, 1710000200000000),
  ('default', 'role_editor', 'Editor', 'editor', 'Editor', 'Edits documents', FALSE, '["docs:write"]', TRUE, FALSE, '{"team":"docs"}', 1, 1710000300000000, 1710000300000000),
  ('acme', 'role_admin', 'admin', 'admin', 'Administrator', 'Every permission in the tenant.', TRUE, '["*:*"]', FALSE, FALSE, NULL, 1, 1710000100000000, 1710000100000000),
  ('acme', 'role_member', 'member', 'member', 'Member', 'Held by every active user.', TRUE, '["profile:read"]', FALSE, TRUE, NULL, 2, 1710000100000000, 1710000400000000),
  ('acme', 'role_billing', 'billing', 'billing', 'Billing', '', FALSE, '["invoices:*"]', TRUE, FALSE, NULL, 1, 1710000500000000, 1710000500000000),
  ('acme', 'role_auditor', 'auditor', 'auditor', 'Auditor', 'Reads invoices and the audit log', FALSE, '["audit:read","invoices:read"]', TRUE, FALSE, NULL, 1, 1710000600000000, 1710000600000000);

INSERT INTO role_parents (tenant_id, role_id, parent_id) VALUES
  ('default', 'role_editor', 'role_viewer');

INSERT INTO users (tenant_id, id, email, email_key, first_name, last_name, external_user_id, status, version, created_at, updated_at) VALUES
  ('default', 'usr_AAAAAAAAAAAAAAAAAAAAAA', 'Ada@Example.test', 'ada@example.test', 'Ada', 'Lovelace', 'ext-1', 'active', 1, 1710000700000000, 1710000700000000),
  ('default', 'usr_GGGGGGGGGGGGGGGGGGGGGG', 'grace@example.test', 'grace@example.test', 'Grace', 'Hopper', 'ext-2', 'active', 1, 1710001300000000, 1710001300000000),
  ('acme', 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'alice@acme.test', 'alice@acme.test', 'Alice', 'Admin', NULL, 'active', 1, 1710000100000000, 1710000100000000),
  ('acme', 'usr_BBBBBBBBBBBBBBBBBBBBBB', 'bob@acme.test', 'bob@acme.test', 'Bob', '', NULL, 'active', 2, 1710000800000000, 1710001200000000),
  ('acme', 'usr_CCCCCCCCCCCCCCCCCCCCCC', 'cy@acme.test', 'cy@acme.test', '', '', NULL, 'disabled', 2, 1710000900000000, 1710002500000000);

INSERT INTO organizations (tenant_id, id, name, external_id, version, created_at, updated_at) VALUES
  ('acme', 'org_DDDDDDDDDDDDDDDDDDDDDD', 'Acme EU', 'eu', 1, 1710001000000000, 1710001000000000);

INSERT INTO assignments (tenant_id, user_id, role_id, org_id, not_before, expires_at, reason, assigned_by, assigned_at) VALUES
  ('default', 'usr_AAAAAAAAAAAAAAAAAAAAAA', 'role_editor', '', NULL, NULL, '', 'operator', 1710000700000000),
  ('acme', 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'role_admin', '', NULL, NULL, '', 'operator', 1710000100000000),
  ('acme', 'usr_BBBBBBBBBBBBBBBBBBBBBB', 'role_billing', 'org_DDDDDDDDDDDDDDDDDDDDDD', 1709251200000000, NULL, 'eu desk', 'usr_KKKKKKKKKKKKKKKKKKKKKK', 1710001200000000);

INSERT INTO groups (tenant_id, id, name, name_key, description, version, created_at, updated_at) VALUES
  ('default', 'grp_HHHHHHHHHHHHHHHHHHHHHH', 'Docs team', 'docs team', 'Writes and reviews the docs', 2, 1710001400000000, 1710001500000000),
  ('acme', 'grp_FFFFFFFFFFFFFFFFFFFFFF', 'Finance', 'finance', 'Invoices and payouts', 2, 1710001700000000, 1710001800000000),
  ('acme', 'grp_JJJJJJJJJJJJJJJJJJJJJJ', 'Auditors', 'auditors', '', 1, 1710002100000000, 1710002100000000);

INSERT INTO group_members (tenant_id, group_id, user_id) VALUES
  ('default', 'grp_HHHHHHHHHHHHHHHHHHHHHH', 'usr_AAAAAAAAAAAAAAAAAAAAAA'),
  ('default', 'grp_HHHHHHHHHHHHHHHHHHHHHH', 'usr_GGGGGGGGGGGGGGGGGGGGGG'),
  ('acme', 'grp_FFFFFFFFFFFFFFFFFFFFFF', 'usr_BBBBBBBBBBBBBBBBBBBBBB'),
  ('acme', 'grp_FFFFFFFFFFFFFFFFFFFFFF', 'usr_CCCCCCCCCCCCCCCCCCCCCC');

INSERT INTO group_assignments (tenant_id, group_id, role_id, org_id, not_before, expires_at, reason, assigned_by, assigned_at) VALUES
  ('default', 'grp_HHHHHHHHHHHHHHHHHHHHHH', 'role_editor', '', NULL, NULL, 'docs rotation', 'operator', 1710001600000000),
  ('acme', 'grp_FFFFFFFFFFFFFFFFFFFFFF', 'role_billing', '', NULL, NULL, '', 'usr_KKKKKKKKKKKKKKKKKKKKKK', 1710001900000000),
  ('acme', 'grp_FFFFFFFFFFFFFFFFFFFFFF', 'role_billing', 'org_DDDDDDDDDDDDDDDDDDDDDD', NULL, 1893456000000000, 'eu quarter close', 'usr_KKKKKKKKKKKKKKKKKKKKKK', 1710002000000000),
  ('acme', 'grp_JJJJJJJJJJJJJJJJJJJJJJ', 'role_auditor', '', 1735689600000000, NULL, '', 'usr_KKKKKKKKKKKKKKKKKKKKKK', 1710002200000000);

-- Hashes are made up (no secret hashes to them); last_used_at is kept to the minute.
INSERT INTO tokens (id, tenant_id, user_id, name, hash, scopes, expires_at, last_used_at, created_at) VALUES
  ('tok_operator', NULL, NULL, 'operator', '0f00000000000000000000000000000000000000000000000000000000000001', NULL, NULL, 1710002400000000, 1710000000000000),
  ('tok_LLLLLLLLLLLLLLLLLLLLLL', 'acme', 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'admin', '0f00000000000000000000000000000000000000000000000000000000000002', NULL, NULL, 1710002460000000, 1710000100000000),
  ('tok_EEEEEEEEEEEEEEEEEEEEEE', 'acme', 'usr_BBBBBBBBBBBBBBBBBBBBBB', 'ci', '0f00000000000000000000000000000000000000000000000000000000000003', '["invoices:read"]', 4102444800000000, 1710002400000000, 1710002300000000),
  ('tok_MMMMMMMMMMMMMMMMMMMMMM', 'acme', 'usr_BBBBBBBBBBBBBBBBBBBBBB', 'laptop', '0f00000000000000000000000000000000000000000000000000000000000004', '["invoices:read"]', 4102444800000000, NULL, 1710002400000000);

INSERT INTO audit_events (tenant_id, id, at, actor_id, action, target_type, target_id, details, revision) VALUES
  ('default', 'evt_01', 1710000000000000, 'operator', 'tenant.create', 'tenant', 'default', '{"assignment_mode":"multiple","name":"Default"}', 1),
  ('acme', 'evt_02', 1710000100000000, 'operator', 'tenant.create', 'tenant', 'acme', '{"admin_user_id":"usr_KKKKKKKKKKKKKKKKKKKKKK","assignment_mode":"multiple","name":"Acme Corp"}', 1),
  ('default', 'evt_03', 1710000200000000, 'operator', 'role.create', 'role', 'role_viewer', '{"after":{"assignable":true,"description":"","display_name":"Viewer","inherits_from":[],"name":"viewer","permissions":["docs:read"]}}', 2),
  ('default', 'evt_04', 1710000300000000, 'operator', 'role.create', 'role', 'role_editor', '{"after":{"assignable":true,"description":"Edits documents","display_name":"Editor","inherits_from":["role_viewer"],"metadata":{"team":"docs"},"name":"Editor","permissions":["docs:write"]}}', 3),
  ('acme', 'evt_05', 1710000400000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'role.update', 'role', 'role_member', '{"after":{"assignable":false,"description":"Held by every active user.","display_name":"Member","inherits_from":[],"name":"member","permissions":["profile:read"]},"before":{"assignable":false,"description":"Held by every active user.","display_name":"Member","inherits_from":[],"name":"member","permissions":[]}}', 2),
  ('acme', 'evt_06', 1710000500000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'role.create', 'role', 'role_billing', '{"after":{"assignable":true,"description":"","display_name":"Billing","inherits_from":[],"name":"billing","permissions":["invoices:*"]}}', 3),
  ('acme', 'evt_07', 1710000600000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'role.create', 'role', 'role_auditor', '{"after":{"assignable":true,"description":"Reads invoices and the audit log","display_name":"Auditor","inherits_from":[],"name":"auditor","permissions":["audit:read","invoices:read"]}}', 4),
  ('default', 'evt_08', 1710000700000000, 'operator', 'user.create', 'user', 'usr_AAAAAAAAAAAAAAAAAAAAAA', '{"after":{"email":"Ada@Example.test","external_user_id":"ext-1","first_name":"Ada","last_name":"Lovelace","roles":["role_editor"],"status":"active"}}', 4),
  ('acme', 'evt_09', 1710000800000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'user.create', 'user', 'usr_BBBBBBBBBBBBBBBBBBBBBB', '{"after":{"email":"bob@acme.test","external_user_id":"","first_name":"Bob","last_name":"","roles":[],"status":"active"}}', 5),
  ('acme', 'evt_10', 1710000900000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'user.create', 'user', 'usr_CCCCCCCCCCCCCCCCCCCCCC', '{"after":{"email":"cy@acme.test","external_user_id":"","first_name":"","last_name":"","roles":[],"status":"active"}}', 6),
  ('acme', 'evt_11', 1710001000000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'organization.create', 'organization', 'org_DDDDDDDDDDDDDDDDDDDDDD', '{"after":{"external_id":"eu","name":"Acme EU"}}', 7),
  ('acme', 'evt_12', 1710001100000000, 'operator', 'tenant.update', 'tenant', 'acme', '{"after":{"assignment_mode":"single","name":"Acme Corp"},"before":{"assignment_mode":"multiple","name":"Acme Corp"}}', 8),
  ('acme', 'evt_13', 1710001200000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'assignment.create', 'user', 'usr_BBBBBBBBBBBBBBBBBBBBBB', '{"not_before":"2024-03-01T00:00:00Z","organization_id":"org_DDDDDDDDDDDDDDDDDDDDDD","reason":"eu desk","role_id":"role_billing","user_id":"usr_BBBBBBBBBBBBBBBBBBBBBB"}', 9),
  ('default', 'evt_14', 1710001300000000, 'operator', 'user.create', 'user', 'usr_GGGGGGGGGGGGGGGGGGGGGG', '{"after":{"email":"grace@example.test","external_user_id":"ext-2","first_name":"Grace","last_name":"Hopper","roles":[],"status":"active"}}', 5),
  ('default', 'evt_15', 1710001400000000, 'operator', 'group.create', 'group', 'grp_HHHHHHHHHHHHHHHHHHHHHH', '{"after":{"description":"Writes and reviews the docs","name":"Docs team"}}', 6),
  ('default', 'evt_16', 1710001500000000, 'operator', 'group.members.add', 'group', 'grp_HHHHHHHHHHHHHHHHHHHHHH', '{"added":["usr_AAAAAAAAAAAAAAAAAAAAAA","usr_GGGGGGGGGGGGGGGGGGGGGG"]}', 7),
  ('default', 'evt_17', 1710001600000000, 'operator', 'group.assignment.create', 'group', 'grp_HHHHHHHHHHHHHHHHHHHHHH', '{"group_id":"grp_HHHHHHHHHHHHHHHHHHHHHH","organization_id":"","reason":"docs rotation","role_id":"role_editor"}', 8),
  ('acme', 'evt_18', 1710001700000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'group.create', 'group', 'grp_FFFFFFFFFFFFFFFFFFFFFF', '{"after":{"description":"Invoices and payouts","name":"Finance"}}', 10),
  ('acme', 'evt_19', 1710001800000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'group.members.add', 'group', 'grp_FFFFFFFFFFFFFFFFFFFFFF', '{"added":["usr_BBBBBBBBBBBBBBBBBBBBBB","usr_CCCCCCCCCCCCCCCCCCCCCC"]}', 11),
  ('acme', 'evt_20', 1710001900000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'group.assignment.create', 'group', 'grp_FFFFFFFFFFFFFFFFFFFFFF', '{"group_id":"grp_FFFFFFFFFFFFFFFFFFFFFF","organization_id":"","role_id":"role_billing"}', 12),
  ('acme', 'evt_21', 1710002000000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'group.assignment.create', 'group', 'grp_FFFFFFFFFFFFFFFFFFFFFF', '{"expires_at":"2030-01-01T00:00:00Z","group_id":"grp_FFFFFFFFFFFFFFFFFFFFFF","organization_id":"org_DDDDDDDDDDDDDDDDDDDDDD","reason":"eu quarter close","role_id":"role_billing"}', 13),
  ('acme', 'evt_22', 1710002100000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'group.create', 'group', 'grp_JJJJJJJJJJJJJJJJJJJJJJ', '{"after":{"description":"","name":"Auditors"}}', 14),
  ('acme', 'evt_23', 1710002200000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'group.assignment.create', 'group', 'grp_JJJJJJJJJJJJJJJJJJJJJJ', '{"group_id":"grp_JJJJJJJJJJJJJJJJJJJJJJ","not_before":"2025-01-01T00:00:00Z","organization_id":"","role_id":"role_auditor"}', 15),
  ('acme', 'evt_24', 1710002300000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'token.create', 'token', 'tok_EEEEEEEEEEEEEEEEEEEEEE', '{"name":"ci","scopes":["invoices:read"],"user_id":"usr_BBBBBBBBBBBBBBBBBBBBBB"}', 16),
  ('acme', 'evt_25', 1710002400000000, 'usr_BBBBBBBBBBBBBBBBBBBBBB', 'token.create', 'token', 'tok_MMMMMMMMMMMMMMMMMMMMMM', '{"name":"laptop","scopes":["invoices:read"],"user_id":"usr_BBBBBBBBBBBBBBBBBBBBBB"}', 17),
  ('acme', 'evt_26', 1710002500000000, 'usr_KKKKKKKKKKKKKKKKKKKKKK', 'user.update', 'user', 'usr_CCCCCCCCCCCCCCCCCCCCCC', '{"after":{"email":"cy@acme.test","external_user_id":"","first_name":"","last_name":"","roles":[],"status":"disabled"},"before":{"email":"cy@acme.test","external_user_id":"","first_name":"","last_name":"","roles":[],"status":"active"}}', 18);

UPDATE tokens SET minted_by = 'usr_KKKKKKKKKKKKKKKKKKKKKK' WHERE hash = '0f00000000000000000000000000000000000000000000000000000000000003';
