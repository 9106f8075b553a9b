export { startRelay, type Relay } from './relay.js';
export type { RelayOptions } from './options.js';
export { RELAY_VERSION } from './version.js';
export { verifyAuditLog, type AuditVerification } from './audit/verify-audit-log.js';
export type { AuditEntry, AuditEvent, AuditActor } from './audit/audit-log.js';
export { writeBackup, type BackupSources, type BackupOptions } from './backup/create-backup.js';
export { restoreBackup, verifyBackup, type RestoreOptions } from './backup/restore-backup.js';
export { BACKUP_FORMAT_VERSION, type BackupManifest } from './backup/backup-manifest.js';
export { checkDataDir, type DataDirCheck, type DataDirProblem } from './backup/check-data-dir.js';
