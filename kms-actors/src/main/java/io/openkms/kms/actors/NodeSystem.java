package io.openkms.kms.actors;

import java.util.Locale;

/**
 * What a node reports of itself in {@code CLUSTER:STATUS} besides replication (docs/PROTOCOL.md
 * §5.2 {@code ServerStatusResponse} fields 1 and 10–18; reference §2.4 {@code minkms stat}:
 * "Version", "Heartbeat", "System"). Each node fills in its own, so that {@code stat} shows every
 * node's version during a rolling upgrade.
 *
 * @param version the node's release, e.g. {@code 2026-11-30T01-40-07Z} ({@code ""}: not known)
 * @param os the operating system as Go names it, e.g. {@code linux}
 * @param arch the CPU architecture as Go names it: {@code amd64}, {@code arm64}, …
 * @param cpus the processors the JVM may use
 * @param heapInUseBytes Java heap in use, bytes
 * @param heartbeatIntervalMillis the failure detector's heartbeat interval, ms (0: single node)
 * @param electionTimeoutMillis how long members stay unreachable before the split brain resolver
 *     decides and a new leader may take over, ms (0: single node)
 */
public record NodeSystem(
    String version,
    String os,
    String arch,
    int cpus,
    long heapInUseBytes,
    long heartbeatIntervalMillis,
    long electionTimeoutMillis) {

  /**
   * This JVM's figures now.
   *
   * @param version the node's release
   * @param heartbeatIntervalMillis see the record
   * @param electionTimeoutMillis see the record
   */
  public static NodeSystem current(
      String version, long heartbeatIntervalMillis, long electionTimeoutMillis) {
    Runtime rt = Runtime.getRuntime();
    return new NodeSystem(
        version,
        System.getProperty("os.name", "").toLowerCase(Locale.ROOT),
        goArch(System.getProperty("os.arch", "")),
        rt.availableProcessors(),
        rt.totalMemory() - rt.freeMemory(),
        heartbeatIntervalMillis,
        electionTimeoutMillis);
  }

  /** The Go name ({@code GOARCH}) of a JVM {@code os.arch}. */
  static String goArch(String jvmArch) {
    return switch (jvmArch) {
      case "x86_64", "amd64" -> "amd64";
      case "aarch64" -> "arm64";
      case "x86", "i386", "i686" -> "386";
      default -> jvmArch;
    };
  }
}
