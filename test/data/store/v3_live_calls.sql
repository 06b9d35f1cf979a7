-- A version-3 database (schema of migration 3) with the demo data, made by
-- the v3 build with --init-demo plus four call records (one completed, two
-- left live by node1, one by node2), dumped with sqlite3 .dump.
-- store_test.c (test_store_migrate_v4) opens it with the current store to
-- check that migration 4 upgrades it in place and that the live calls close
-- by the rule of migration 4 (no heartbeat yet: at answer or start).  Do not
-- regenerate it with a newer build: it must stay a version-3 file.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE tenants ( id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK (name <> ''), country_code TEXT NOT NULL DEFAULT '', area_code TEXT NOT NULL DEFAULT '', central_number TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL);
INSERT INTO tenants VALUES(1,'Mustermann AG','49','221','+4922182829900',1796403611113);
CREATE TABLE number_blocks ( id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL REFERENCES tenants(id), first TEXT NOT NULL, last TEXT NOT NULL, created_at INTEGER NOT NULL, CHECK (length(first) = length(last) AND first <= last));
INSERT INTO number_blocks VALUES(1,1,'+4922182829900','+4922182829999',1796403611113);
CREATE TABLE numbers ( id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL REFERENCES tenants(id), block_id INTEGER NOT NULL REFERENCES number_blocks(id), e164 TEXT NOT NULL UNIQUE, active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)), target_type INTEGER NOT NULL DEFAULT 0 CHECK (target_type >= 0), target_id INTEGER NOT NULL DEFAULT 0, description TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, CHECK ((target_type = 0) = (target_id = 0)));
INSERT INTO numbers VALUES(1,1,1,'+4922182829901',1,1,1,'',1796403611114);
INSERT INTO numbers VALUES(2,1,1,'+4922182829902',1,1,2,'',1796403611114);
INSERT INTO numbers VALUES(3,1,1,'+4922182829900',1,1,1,'Zentrale',1796403611115);
INSERT INTO numbers VALUES(4,1,1,'+4922182829990',1,2,1,'Ansage',1796403611115);
INSERT INTO numbers VALUES(5,1,1,'+4922182829903',0,0,0,'',1796403611115);
CREATE TABLE employees ( id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL REFERENCES tenants(id), first_name TEXT NOT NULL DEFAULT '', last_name TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '', extension TEXT NOT NULL DEFAULT '', personal_number_id INTEGER UNIQUE REFERENCES numbers(id), show_personal_number INTEGER NOT NULL DEFAULT 0  CHECK (show_personal_number IN (0, 1)), created_at INTEGER NOT NULL);
INSERT INTO employees VALUES(1,1,'Max','Mustermann','max.mustermann@mustermann.example','1001',1,0,1796403611113);
INSERT INTO employees VALUES(2,1,'Erika','Musterfrau','erika.musterfrau@mustermann.example','1002',2,1,1796403611113);
CREATE TABLE devices ( id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL REFERENCES tenants(id), employee_id INTEGER REFERENCES employees(id), username TEXT NOT NULL UNIQUE CHECK (username <> ''), ha1 TEXT NOT NULL CHECK (length(ha1) = 32), name TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, srtp TEXT NOT NULL DEFAULT 'auto' CHECK (srtp IN ('auto', 'off', 'optional', 'required')));
INSERT INTO devices VALUES(1,1,1,'1001','6c4dda76bcf4d90cc330072c09b7a900','Tischtelefon',1796403611115,'auto');
INSERT INTO devices VALUES(2,1,1,'1011','b1414477f30b8bab0f1104c849373925','Softclient',1796403611116,'auto');
INSERT INTO devices VALUES(3,1,2,'1002','d09c6a70316820c0385ae1bb4c06f166','Tischtelefon',1796403611116,'auto');
CREATE TABLE announcements ( id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL REFERENCES tenants(id), name TEXT NOT NULL CHECK (name <> ''), file TEXT NOT NULL CHECK (file <> ''), created_at INTEGER NOT NULL);
INSERT INTO announcements VALUES(1,1,'Willkommen','welcome.wav',1796403611113);
CREATE TABLE trunks ( id INTEGER PRIMARY KEY, tenant_id INTEGER REFERENCES tenants(id), name TEXT NOT NULL DEFAULT '', host TEXT NOT NULL CHECK (host <> ''), port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535), transport TEXT NOT NULL, match_any_port INTEGER NOT NULL DEFAULT 0  CHECK (match_any_port IN (0, 1)), username TEXT NOT NULL DEFAULT '', password TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, register INTEGER NOT NULL DEFAULT 0 CHECK (register IN (0, 1)), registrar TEXT NOT NULL DEFAULT '', domain TEXT NOT NULL DEFAULT '', auth_user TEXT NOT NULL DEFAULT '', from_user TEXT NOT NULL DEFAULT '', expires INTEGER NOT NULL DEFAULT 600 CHECK (expires > 0));
INSERT INTO trunks VALUES(1,NULL,'Demo-Carrier','127.0.0.1',5090,'udp',0,'','',1796403611116,0,'','','','',600);
CREATE TABLE registrations ( id INTEGER PRIMARY KEY, device_id INTEGER NOT NULL  REFERENCES devices(id) ON DELETE CASCADE, contact TEXT NOT NULL CHECK (contact <> ''), received TEXT NOT NULL DEFAULT '', transport TEXT NOT NULL DEFAULT '', call_id TEXT NOT NULL DEFAULT '', cseq INTEGER NOT NULL DEFAULT 0, user_agent TEXT NOT NULL DEFAULT '', instance TEXT NOT NULL DEFAULT '', path TEXT NOT NULL DEFAULT '', node_id TEXT NOT NULL DEFAULT '', expires_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (device_id, contact));
CREATE TABLE calls ( id INTEGER PRIMARY KEY, node_id TEXT NOT NULL DEFAULT '', sip_call_id TEXT NOT NULL DEFAULT '', tenant_id INTEGER NOT NULL DEFAULT 0, direction TEXT NOT NULL DEFAULT '', from_number TEXT NOT NULL DEFAULT '', to_number TEXT NOT NULL DEFAULT '', caller_leg TEXT NOT NULL DEFAULT '', callee_leg TEXT NOT NULL DEFAULT '', started_at INTEGER NOT NULL, answered_at INTEGER NOT NULL DEFAULT 0, ended_at INTEGER NOT NULL DEFAULT 0, disposition TEXT NOT NULL DEFAULT '', sip_code INTEGER NOT NULL DEFAULT 0  CHECK (sip_code BETWEEN 0 AND 699), ended_by TEXT NOT NULL DEFAULT '');
INSERT INTO calls VALUES(1,'node1','done@192.0.2.10',1,'inbound','+4930555','+4922182829901','trunk:1','device:1001',1795580700000,1795580702000,1795580760000,'answered',200,'caller');
INSERT INTO calls VALUES(2,'node1','live@192.0.2.10',1,'inbound','+4930556','+4922182829902','trunk:1','device:1002',1795580800000,1795580803000,0,'',0,'');
INSERT INTO calls VALUES(3,'node1','ringing@192.0.2.10',1,'inbound','+4930557','+4922182829900','trunk:1','',1795580810000,0,0,'',0,'');
INSERT INTO calls VALUES(4,'node2','other@192.0.2.11',1,'internal','1001','1002','device:1001','device:1002',1795580820000,1795580821000,0,'',0,'');
CREATE TABLE api_tokens ( id INTEGER PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE  CHECK (length(token_sha256) = 64), role TEXT NOT NULL CHECK (role <> ''), tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE, name TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL);
INSERT INTO api_tokens VALUES(1,'06e778a3c9a06b95b631b85b15692f2475c1e843161ce9f73a5802c57bfc05f3','admin',NULL,'admin',1796403611113);
CREATE INDEX number_blocks_tenant ON number_blocks(tenant_id);
CREATE INDEX number_blocks_first ON number_blocks(first);
CREATE INDEX numbers_tenant ON numbers(tenant_id);
CREATE INDEX numbers_block ON numbers(block_id);
CREATE INDEX numbers_target ON numbers(target_type, target_id);
CREATE INDEX employees_tenant ON employees(tenant_id);
CREATE UNIQUE INDEX employees_extension ON employees(tenant_id, extension) WHERE extension <> '';
CREATE INDEX devices_tenant ON devices(tenant_id);
CREATE INDEX devices_employee ON devices(employee_id);
CREATE INDEX announcements_tenant ON announcements(tenant_id);
CREATE INDEX trunks_host ON trunks(host);
CREATE INDEX trunks_tenant ON trunks(tenant_id);
CREATE INDEX registrations_expires ON registrations(expires_at);
CREATE INDEX calls_started ON calls(started_at);
CREATE INDEX calls_tenant ON calls(tenant_id, started_at);
CREATE INDEX calls_live ON calls(node_id) WHERE ended_at = 0;
COMMIT;
PRAGMA user_version = 3;
