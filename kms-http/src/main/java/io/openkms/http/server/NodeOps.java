package io.openkms.http.server;

import io.openkms.http.ops.JfrProfiler;
import io.openkms.http.ops.LogHub;
import io.openkms.kms.backup.BackupKey;

/**
 * The operations side of a node, for {@link OpsApi}: backups, the log stream, profiling and
 * restarts. A member that is null makes its endpoints answer 501 {@code kms: … is not available on
 * this node} (in-process test nodes, for instance).
 *
 * @param backupKey seals and opens backups ({@code /v1/db}); null: no backups
 * @param maxBackupBytes the largest backup {@code PUT /v1/db} accepts, in bytes, after
 *     decompression ({@code minkms.ops.backup-max-bytes})
 * @param logs the log stream ({@code /v1/debug/log}); null: none
 * @param profiler profiling ({@code /v1/debug/pprof}); null: none
 * @param restarter restarts ({@code /v1/debug/restart}, {@code /v1/rpc/restart}); null: none
 */
public record NodeOps(
    BackupKey backupKey,
    long maxBackupBytes,
    LogHub logs,
    JfrProfiler profiler,
    Restarter restarter) {

  /** Default of {@code minkms.ops.backup-max-bytes}: 64 MiB. */
  public static final long DEFAULT_MAX_BACKUP_BYTES = 64L << 20;

  /** Nothing available. */
  public static final NodeOps NONE = new NodeOps(null, DEFAULT_MAX_BACKUP_BYTES, null, null, null);
}
