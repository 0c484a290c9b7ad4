package io.openkms.cli.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The config file's {@code log} section, named after KES's {@code log: {error: on, audit: off}}:
 *
 * <pre>
 * log:
 *   error: on                 # the error log on stderr (default on)
 *   audit: on                 # one JSON line per API request on stdout (KES's form); or:
 *   audit:
 *     stdout: off             # also on stdout (default off)
 *     file: /var/log/minkms/audit.log
 *     max_file_size: 100MiB   # rotate at this size (default 100MiB; B, KiB, MiB, GiB)
 *     max_files: 10           # rotated files kept besides the current one (1-20, default 10)
 *     queue: 10000            # lines waiting to be written at most (1-1000000, default 10000)
 *     fail_closed: off        # on: refuse requests (503) while the queue is full
 * </pre>
 *
 * @param error the error log is on
 * @param audit the audit log's settings
 */
public record LogConfig(boolean error, Audit audit) {

  /** Error log on, audit log off. */
  public static final LogConfig DEFAULT = new LogConfig(true, Audit.OFF);

  public LogConfig {
    Objects.requireNonNull(audit, "audit");
  }

  /**
   * The audit log's settings.
   *
   * @param stdout write the lines to stdout
   * @param file write the lines to this file (rotated by size)
   * @param maxFileBytes size at which the file is rotated, bytes
   * @param maxFiles rotated files kept (gzipped, {@code FILE.1.gz} … {@code FILE.N.gz})
   * @param queue lines waiting to be written at most; beyond, lines are dropped (counted in {@code
   *     minkms_audit_dropped_total}) or, with {@code failClosed}, requests refused
   * @param failClosed refuse requests (503) while the queue is full
   */
  public record Audit(
      boolean stdout,
      Optional<Path> file,
      long maxFileBytes,
      int maxFiles,
      int queue,
      boolean failClosed) {

    /** The default rotation size: 100 MiB. */
    public static final long DEFAULT_MAX_FILE_BYTES = 100L << 20;

    /** The default number of rotated files kept: 10. */
    public static final int DEFAULT_MAX_FILES = 10;

    /** The default queue bound: 10,000 lines. */
    public static final int DEFAULT_QUEUE = 10_000;

    /** No audit log. */
    public static final Audit OFF =
        new Audit(
            false,
            Optional.empty(),
            DEFAULT_MAX_FILE_BYTES,
            DEFAULT_MAX_FILES,
            DEFAULT_QUEUE,
            false);

    /** KES's {@code audit: on}: stdout. */
    public static final Audit STDOUT =
        new Audit(
            true,
            Optional.empty(),
            DEFAULT_MAX_FILE_BYTES,
            DEFAULT_MAX_FILES,
            DEFAULT_QUEUE,
            false);

    public Audit {
      Objects.requireNonNull(file, "file");
    }

    /** True when requests are audited somewhere. */
    public boolean enabled() {
      return stdout || file.isPresent();
    }
  }
}
