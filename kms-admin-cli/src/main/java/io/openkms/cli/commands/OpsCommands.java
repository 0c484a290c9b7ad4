package io.openkms.cli.commands;

import com.google.protobuf.Timestamp;
import io.openkms.cli.CliException;
import io.openkms.cli.config.GoDuration;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsRequestException;
import io.openkms.http.client.LogStream;
import io.openkms.http.proto.LogRecord;
import io.openkms.http.proto.LogRequest;
import io.openkms.http.proto.ProfileStatusResponse;
import io.openkms.kms.backup.BackupFile;
import io.openkms.kms.domain.KmsException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The operations commands (docs/REFERENCE.md §2.3, §2.5): {@code backup}, {@code restore}, {@code
 * logs}, {@code restart}, {@code pprof}. All need SysAdmin; the server answers 403 {@code access
 * denied: insufficient permissions} otherwise.
 */
public final class OpsCommands {
  private OpsCommands() {}

  /** The clock for backup file names and {@code --since}. */
  static Clock clock = Clock.systemDefaultZone();

  /** Largest backup file read by {@code restore}, after decompression: 1 GiB. */
  static final int MAX_BACKUP_FILE_BYTES = 1 << 30;

  /**
   * {@code minkms backup [FILE] [--compress on|off]}: {@code GET /v1/db} of a server of {@code
   * MINIO_KMS_SERVER}; writes the sealed backup, gzip-compressed unless {@code --compress off}, to
   * FILE or to {@code YYYYMMDD_HHMMSS_kms.db.gzip} ({@code _kms.db} uncompressed) in the current
   * directory, and prints the file name. An existing file is not overwritten (exit 1).
   */
  @Command(
      name = "backup",
      mixinStandardHelpOptions = true,
      description = {
        "Write a backup of the cluster's state: enclaves, keys, policies and identities.",
        "The keys stay sealed under a key derived from the HSM key; names are plain text.",
        "Not included: the cluster membership and the config file."
      })
  public static final class Backup extends ClientCommand {
    @Parameters(
        arity = "0..1",
        paramLabel = "FILE",
        description = "The file to write (default: YYYYMMDD_HHMMSS_kms.db.gzip).")
    String file;

    @Option(
        names = "--compress",
        paramLabel = "on|off",
        defaultValue = "on",
        description = "gzip-compress the backup (default: on).")
    String compress;

    @Override
    protected void check() throws CliException {
      if (!compress.equals("on") && !compress.equals("off")) {
        throw CliException.usage("invalid --compress '" + compress + "': use on or off");
      }
    }

    @Override
    protected int run(KmsClient client) throws CliException {
      byte[] backup = client.readDb();
      boolean gzip = compress.equals("on");
      Path path =
          Path.of(
              file != null
                  ? file
                  : LocalDateTime.now(clock).format(DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss"))
                      + (gzip ? "_kms.db.gzip" : "_kms.db"));
      try (OutputStream out =
          Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        if (gzip) {
          try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(backup);
          }
        } else {
          out.write(backup);
        }
      } catch (FileAlreadyExistsException e) {
        throw CliException.failure("cannot write " + path + ": the file exists");
      } catch (IOException e) {
        throw CliException.failure("cannot write " + path + ": " + e.getMessage());
      }
      out().println(path);
      return 0;
    }
  }

  /**
   * {@code minkms restore [HOST[:PORT]] FILE}: {@code PUT /v1/db} of FILE (plain or gzip) to HOST,
   * by default the first server of {@code MINIO_KMS_SERVER}. The node must be a single-node cluster
   * (a fresh node for a total failure; add the other nodes afterwards). A backup of another HSM key
   * is refused and changes nothing. Prints what was restored.
   */
  @Command(
      name = "restore",
      mixinStandardHelpOptions = true,
      description = {
        "Restore a backup into one node, which must be the only node of its cluster.",
        "After a total failure: start one fresh node with the cluster's HSM key, restore the",
        "backup into it, then add the other fresh nodes with 'minkms add'."
      })
  public static final class Restore extends ClientCommand {
    @Parameters(
        arity = "1..2",
        paramLabel = "[HOST[:PORT]] FILE",
        description =
            "The node (default: the first server of MINIO_KMS_SERVER) and the backup file.")
    List<String> args;

    private String host;
    private Path path;

    @Override
    protected void check() throws CliException {
      if (args.size() > 2) {
        throw CliException.usage("too many arguments: expected [HOST[:PORT]] FILE");
      }
      if (args.size() == 2) {
        host = Hosts.normalize(args.get(0));
      }
      path = Path.of(args.get(args.size() - 1));
    }

    @Override
    protected int run(KmsClient client) throws CliException {
      byte[] data = readBackup(path);
      BackupFile.Header header;
      try {
        header = BackupFile.header(data);
      } catch (KmsException e) {
        throw CliException.failure(path + ": " + e.message());
      }
      String target = host != null ? host : Hosts.normalize(settings().servers().get(0).toString());
      client.writeDb(target, data);
      out()
          .println(
              "Restored "
                  + path
                  + " into "
                  + target
                  + ": cluster "
                  + header.clusterId()
                  + ", commit "
                  + header.commit()
                  + ", "
                  + header.enclaves().size()
                  + " enclave(s), taken "
                  + header.createdAt());
      return 0;
    }
  }

  /** The bytes of a backup file, gunzipped when it is gzip. */
  static byte[] readBackup(Path path) throws CliException {
    try (InputStream in = Files.newInputStream(path)) {
      byte[] head = in.readNBytes(2);
      InputStream all = new java.io.SequenceInputStream(new ByteArrayInputStream(head), in);
      if (head.length == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
        all = new GZIPInputStream(all);
      }
      byte[] data = all.readNBytes(MAX_BACKUP_FILE_BYTES + 1);
      if (data.length > MAX_BACKUP_FILE_BYTES) {
        throw CliException.failure(path + ": larger than " + MAX_BACKUP_FILE_BYTES + " bytes");
      }
      return data;
    } catch (IOException e) {
      throw CliException.failure("cannot read " + path + ": " + e.getMessage());
    }
  }

  /**
   * {@code minkms logs HOST[:PORT] [-q] [--short] [--json] [-l LEVEL] [-m MSG] [-s WHEN] [-n NUM]}:
   * the error log of one node ({@code POST /v1/debug/log}) as it is written, until Ctrl-C (or NUM
   * records). One line per record, {@code <time> <LEVEL> <message>} and the stack frames indented
   * below; {@code --short} without time and frames; {@code --json} the record's protojson.
   */
  @Command(
      name = "logs",
      mixinStandardHelpOptions = true,
      description = {"Show the log of a node as it is written (Ctrl-C to stop)."})
  public static final class Logs extends ClientCommand {
    @Parameters(paramLabel = "HOST[:PORT]", description = "The node.")
    String host;

    @Option(
        names = {"-q", "--quiet"},
        description = "Print no note before the records.")
    boolean quiet;

    @Option(names = "--short", description = "Only level and message, no time or stack trace.")
    boolean shortForm;

    @Option(
        names = {"-l", "--level"},
        paramLabel = "LEVEL",
        defaultValue = "INFO",
        description = "Lowest level shown: DEBUG, INFO, WARN or ERROR (default: INFO).")
    String level;

    @Option(
        names = {"-m", "--message"},
        paramLabel = "MSG",
        description = "Only records whose message contains MSG.")
    String message;

    @Option(
        names = {"-s", "--since"},
        paramLabel = "WHEN",
        description = {
          "Also the records kept since WHEN: today, yesterday, 'N day(s) ago',",
          "'N hour(s) ago', 'N minute(s) ago', 'N second(s) ago', or '<duration> ago' (1h30m ago)."
        })
    String since;

    @Option(
        names = {"-n", "--records"},
        paramLabel = "NUM",
        description = "Stop after NUM records.")
    Integer records;

    private String target;
    private LogRequest request;

    @Override
    protected void check() throws CliException {
      target = Hosts.normalize(host);
      LogRequest.Builder b =
          LogRequest.newBuilder().setLevel(level(level)).setTraceLevel(level(level));
      if (message != null) {
        b.setMessage(message);
      }
      if (since != null) {
        Instant t = since(since, clock);
        b.setSince(Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()));
      }
      if (records != null && records < 1) {
        throw CliException.usage("invalid --records " + records + ": must be 1 or more");
      }
      request = b.build();
    }

    @Override
    protected int run(KmsClient client) {
      try (LogStream stream = client.logs(target, request)) {
        if (!quiet && !json()) {
          out().println("Logs of " + target + " (Ctrl-C to stop):");
          out().flush();
        }
        int n = 0;
        for (Optional<LogRecord> r = stream.next(); r.isPresent(); r = stream.next()) {
          out().print(json() ? Json.of(r.get()) + "\n" : format(r.get(), shortForm));
          out().flush();
          if (records != null && ++n >= records) {
            break;
          }
        }
      }
      return 0;
    }
  }

  /** The Go slog level of a {@code --level}. */
  static int level(String text) throws CliException {
    return switch (text.toUpperCase(Locale.ROOT)) {
      case "DEBUG" -> -4;
      case "INFO" -> 0;
      case "WARN", "WARNING" -> 4;
      case "ERROR" -> 8;
      default ->
          throw CliException.usage(
              "invalid --level '" + text + "': use DEBUG, INFO, WARN or ERROR");
    };
  }

  private static final Pattern AGO = Pattern.compile("(\\d+)\\s+(second|minute|hour|day)s?\\s+ago");

  /**
   * The instant a {@code --since} names (docs/REFERENCE.md §2.3): {@code today} (midnight), {@code
   * yesterday}, {@code N day(s)|hour(s)|minute(s)|second(s) ago}, {@code <Go duration> ago}.
   *
   * @throws CliException exit 2, {@code invalid --since '<text>'}
   */
  static Instant since(String text, Clock clock) throws CliException {
    String t = text.strip().toLowerCase(Locale.ROOT);
    ZoneId zone = clock.getZone();
    if (t.equals("today")) {
      return LocalDate.now(clock).atStartOfDay(zone).toInstant();
    }
    if (t.equals("yesterday")) {
      return LocalDate.now(clock).minusDays(1).atStartOfDay(zone).toInstant();
    }
    Matcher m = AGO.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      Duration d =
          switch (m.group(2)) {
            case "second" -> Duration.ofSeconds(n);
            case "minute" -> Duration.ofMinutes(n);
            case "hour" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
          };
      return clock.instant().minus(d);
    }
    if (t.endsWith(" ago")) {
      try {
        Duration d = GoDuration.parse(t.substring(0, t.length() - 4).strip());
        if (!d.isNegative()) {
          return clock.instant().minus(d);
        }
      } catch (IllegalArgumentException e) {
        // below
      }
    }
    throw CliException.usage(
        "invalid --since '" + text + "': use today, yesterday, 'N hours ago' or '1h30m ago'");
  }

  /** One record as text. */
  static String format(LogRecord r, boolean shortForm) {
    int l = r.getLevel();
    String level = l >= 8 ? "ERROR" : l >= 4 ? "WARN " : l >= 0 ? "INFO " : "DEBUG";
    if (shortForm) {
      return level + " " + r.getMessage() + "\n";
    }
    StringBuilder b =
        new StringBuilder()
            .append(Instant.ofEpochSecond(r.getTime().getSeconds(), r.getTime().getNanos()))
            .append(' ')
            .append(level)
            .append(' ')
            .append(r.getMessage())
            .append('\n');
    for (LogRecord.StackFrame f : r.getTraceList()) {
      b.append("    at ")
          .append(f.getFunction())
          .append(" (")
          .append(f.getFile())
          .append(':')
          .append(f.getLine())
          .append(")\n");
    }
    return b.toString();
  }

  /**
   * {@code minkms restart [HOST[:PORT]...]}: without hosts, {@code POST /v1/debug/restart} to a
   * server of {@code MINIO_KMS_SERVER}, which restarts every other member and then itself (at most
   * 15 s of coordination); with hosts, {@code POST /v1/debug/restart?self} to each, one after the
   * other. Prints one line per restart asked for; failures exit 1.
   */
  @Command(
      name = "restart",
      mixinStandardHelpOptions = true,
      description = {
        "Restart the whole cluster, or the given nodes. A restart reloads the",
        "node's config file and certificates."
      })
  public static final class Restart extends ClientCommand {
    @Parameters(
        arity = "0..*",
        paramLabel = "HOST[:PORT]",
        description = "Nodes to restart (default: all).")
    List<String> hosts = new ArrayList<>();

    private final List<String> targets = new ArrayList<>();

    @Override
    protected void check() throws CliException {
      for (String h : hosts) {
        targets.add(Hosts.normalize(h));
      }
    }

    @Override
    protected int run(KmsClient client) throws CliException {
      if (targets.isEmpty()) {
        client.restart();
        out().println("Restarting the cluster");
        return 0;
      }
      List<String> failed = new ArrayList<>();
      for (String t : targets) {
        try {
          client.restart(t);
          out().println("Restarting " + t);
        } catch (KmsRequestException e) {
          failed.add(ClientErrors.of(e).getMessage());
        }
      }
      if (!failed.isEmpty()) {
        throw CliException.failure(String.join("; ", failed));
      }
      return 0;
    }
  }

  /**
   * {@code minkms pprof HOST[:PORT]... [--cpu] [--heap] [--thread runtime|os|all] [--block RATE]
   * [--mutex FREQ] [-o DIR] [--stat]}: starts profiling on each host ({@code POST /v1/debug/pprof},
   * JDK Flight Recorder on the node); {@code --stat} shows its status; {@code -o DIR} stops it and
   * writes {@code DIR/<host>_<port>/profile.jfr} ({@code -o _} discards it).
   */
  @Command(
      name = "pprof",
      mixinStandardHelpOptions = true,
      description = {
        "Profile nodes with JDK Flight Recorder: start, show the status (--stat),",
        "or stop and download the recordings (-o DIR). Open them with 'jfr print' or JDK Mission Control."
      })
  public static final class Pprof extends ClientCommand {
    @Parameters(arity = "1..*", paramLabel = "HOST[:PORT]", description = "The nodes.")
    List<String> hosts;

    @Option(
        names = "--cpu",
        arity = "0..1",
        defaultValue = "true",
        fallbackValue = "true",
        description = "CPU samples (default: true).")
    boolean cpu;

    @Option(
        names = "--heap",
        arity = "0..1",
        defaultValue = "true",
        fallbackValue = "true",
        description = "Allocation samples and heap summaries (default: true).")
    boolean heap;

    @Option(
        names = "--thread",
        paramLabel = "runtime|os|all",
        defaultValue = "runtime",
        description = "Thread events (default: runtime).")
    String thread;

    @Option(
        names = "--block",
        paramLabel = "RATE",
        defaultValue = "0",
        description = "Blocking (park, sleep) longer than RATE ns, at least 1 ms; 0: off.")
    int block;

    @Option(
        names = "--mutex",
        paramLabel = "FREQ",
        defaultValue = "0",
        description = "Contended monitors (longer than 1 ms) when FREQ > 0.")
    int mutex;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "DIR",
        description = "Stop profiling and write the recordings to DIR ('_' discards them).")
    String output;

    @Option(names = "--stat", description = "Show the status of the profiling.")
    boolean stat;

    private final List<String> targets = new ArrayList<>();

    @Override
    protected void check() throws CliException {
      for (String h : hosts) {
        targets.add(Hosts.normalize(h));
      }
      if (!List.of("runtime", "os", "all").contains(thread)) {
        throw CliException.usage("invalid --thread '" + thread + "': use runtime, os or all");
      }
      if (block < 0 || mutex < 0) {
        throw CliException.usage("--block and --mutex must be 0 or more");
      }
      if (stat && output != null) {
        throw CliException.usage("--stat and -o cannot be used together");
      }
    }

    @Override
    protected int run(KmsClient client) throws CliException {
      for (String t : targets) {
        if (stat) {
          ProfileStatusResponse s = client.profilingStatus(t);
          out().println(json() ? Json.of(s) : status(t, s));
        } else if (output != null) {
          byte[] tar = client.stopProfiling(t);
          if (!output.equals("_")) {
            for (Path p :
                untar(
                    tar,
                    Path.of(output)
                        .resolve(t.replace(':', '_').replace('[', '_').replace(']', '_')))) {
              out().println(p);
            }
          }
        } else {
          client.startProfiling(t, cpu, heap, thread, block, mutex);
          out().println("Profiling " + t);
        }
      }
      return 0;
    }
  }

  /** A status as one line. */
  static String status(String host, ProfileStatusResponse s) {
    if (!s.hasStarted()) {
      return host + ": not profiling";
    }
    List<String> what = new ArrayList<>();
    if (s.getCPU()) {
      what.add("cpu");
    }
    if (s.getHeap()) {
      what.add("heap");
    }
    if (s.getGoroutine() || s.getThread()) {
      what.add("thread");
    }
    if (s.getBlockRate() > 0) {
      what.add("block=" + s.getBlockRate());
    }
    if (s.getMutexFraction() > 0) {
      what.add("mutex=" + s.getMutexFraction());
    }
    return host
        + ": profiling since "
        + Instant.ofEpochSecond(s.getStarted().getSeconds())
        + " ("
        + String.join(", ", what)
        + ")";
  }

  /** Writes the regular files of a ustar archive into {@code dir}; returns their paths. */
  static List<Path> untar(byte[] tar, Path dir) throws CliException {
    List<Path> written = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      int pos = 0;
      while (pos + 512 <= tar.length && tar[pos] != 0) {
        String name =
            new String(tar, pos, 100, StandardCharsets.US_ASCII).replace("\0", "").strip();
        long size =
            Long.parseLong(
                new String(tar, pos + 124, 12, StandardCharsets.US_ASCII).replace("\0", "").strip(),
                8);
        char type = (char) tar[pos + 156];
        pos += 512;
        if (pos + size > tar.length) {
          throw CliException.failure("invalid profile archive: truncated");
        }
        Path file = dir.resolve(Path.of(name).getFileName().toString());
        if ((type == '0' || type == 0) && !name.isEmpty()) {
          Files.write(file, java.util.Arrays.copyOfRange(tar, pos, pos + (int) size));
          written.add(file);
        }
        pos += (int) ((size + 511) / 512 * 512);
      }
      return written;
    } catch (IOException | NumberFormatException e) {
      throw CliException.failure("cannot write the profile to " + dir + ": " + e.getMessage());
    }
  }
}
