package io.openkms.cli.commands;

import io.openkms.http.proto.ClusterStatusResponse;
import io.openkms.http.proto.ServerStatusResponse;
import java.util.Map;
import java.util.TreeMap;

/**
 * The text of {@code minkms stat} and {@code minkms ls} from a {@code CLUSTER:STATUS} answer
 * (docs/REFERENCE.md §2.4, docs/REFERENCE.md §14 step 5). Pure.
 *
 * <p>{@code stat}: per node, by id, a block; a blank line between blocks; then the summary.
 *
 * <pre>
 * ●  Node 0 at minkms-node0.example.net:7373
 *    Version     2025-11-12T19-14-51Z
 *    Uptime      24m31s
 *    HSMs        1
 *    Commit      0
 *    State       Leader
 *    Leader      Node 0
 *    Heartbeat   233ms ago
 *    System
 *        OS       linux
 *        CPUs     4 amd64
 *        Memory   4.20MiB
 *
 * All [1/1] nodes are up ✔
 * </pre>
 *
 * A node that did not answer is {@code ● Node 2 at host:port} with the one line {@code State
 * Offline}, and the summary becomes {@code [2/3] nodes are up ✘}. With colour, the {@code ●} and
 * the summary mark are green for nodes that are up and red otherwise.
 *
 * <p>A node that is up but whose replica log cannot journal writes (the status' {@code health}, our
 * field 21) gets the line {@code Health unhealthy: <reason>} after {@code State}, a red {@code ●},
 * and the summary {@code All [3/3] nodes are up, 1 unhealthy ✘}.
 *
 * <p>{@code ls}: a table {@code ID Status Role Uptime Host}, one row per node by id; a down node
 * has status {@code down} and {@code -} for role and uptime, an unhealthy one (see above) {@code
 * unhealthy}.
 */
public final class ClusterStatusFormat {
  /** The node marker. */
  public static final String DOT = "●";

  private static final int LABEL_WIDTH = 12;
  private static final int SYSTEM_LABEL_WIDTH = 9;

  private ClusterStatusFormat() {}

  /** The text of {@code minkms stat}. */
  public static String stat(ClusterStatusResponse status, boolean colour) {
    Map<Integer, String> blocks = new TreeMap<>();
    status.getNodesUpMap().forEach((id, node) -> blocks.put(id, up(id, node, colour)));
    status
        .getNodesDownMap()
        .forEach(
            (id, host) -> {
              if (!blocks.containsKey(id)) {
                blocks.put(id, down(id, host, colour));
              }
            });
    StringBuilder out = new StringBuilder(String.join("\n", blocks.values()));
    int total = blocks.size();
    int up = status.getNodesUpCount();
    long unhealthy =
        status.getNodesUpMap().values().stream().filter(s -> !s.getHealth().isEmpty()).count();
    out.append('\n');
    if (up == total && unhealthy > 0) {
      out.append("All [")
          .append(up)
          .append('/')
          .append(total)
          .append("] nodes are up, ")
          .append(unhealthy)
          .append(" unhealthy ")
          .append(Text.colour(colour, Text.RED, "✘"))
          .append('\n');
    } else if (up == total) {
      out.append("All [")
          .append(up)
          .append('/')
          .append(total)
          .append("] nodes are up ")
          .append(Text.colour(colour, Text.GREEN, "✔"))
          .append('\n');
    } else {
      out.append('[')
          .append(up)
          .append('/')
          .append(total)
          .append("] nodes are up ")
          .append(Text.colour(colour, Text.RED, "✘"))
          .append('\n');
    }
    return out.toString();
  }

  private static String up(int id, ServerStatusResponse s, boolean colour) {
    Text.Block block = new Text.Block("   ", LABEL_WIDTH);
    block
        .line("Version", Text.orDash(s.getVersion()))
        .line("Uptime", Text.duration(s.getUpTime()))
        .line("HSMs", Integer.toString(s.getHSMsCount()))
        .line("Commit", Long.toUnsignedString(s.getCommit()))
        .line("State", Text.orDash(s.getRole()));
    if (!s.getHealth().isEmpty()) {
      block.line("Health", "unhealthy: " + s.getHealth());
    }
    block
        .line("Leader", s.getLeaderID() < 0 ? "-" : "Node " + s.getLeaderID())
        .line("Heartbeat", Text.duration(s.getLastHeartbeat()) + " ago")
        .raw("System");
    Text.Block system = new Text.Block("       ", SYSTEM_LABEL_WIDTH);
    system
        .line("OS", Text.orDash(s.getOS()))
        .line(
            "CPUs",
            Integer.toUnsignedString(s.getCPUs())
                + (s.getArch().isEmpty() ? "" : " " + s.getArch()))
        .line("Memory", Text.bytes(s.getHeapMemInUse() + s.getStackMemInUse()));
    return header(id, hostOf(s), s.getHealth().isEmpty(), colour) + block + system;
  }

  private static String down(int id, String host, boolean colour) {
    return header(id, host, false, colour)
        + new Text.Block("   ", LABEL_WIDTH).line("State", "Offline");
  }

  private static String header(int id, String host, boolean up, boolean colour) {
    return Text.colour(colour, up ? Text.GREEN : Text.RED, DOT)
        + "  Node "
        + id
        + " at "
        + host
        + "\n";
  }

  private static String hostOf(ServerStatusResponse s) {
    if (!s.getHost().isEmpty()) {
      return s.getHost();
    }
    return s.getNodesMap().getOrDefault(s.getID(), "-");
  }

  /** The text of {@code minkms ls}. */
  public static String ls(ClusterStatusResponse status) {
    Map<Integer, String[]> rows = new TreeMap<>();
    status
        .getNodesUpMap()
        .forEach(
            (id, s) ->
                rows.put(
                    id,
                    new String[] {
                      Integer.toString(id),
                      s.getHealth().isEmpty() ? "up" : "unhealthy",
                      Text.orDash(s.getRole()),
                      Text.duration(s.getUpTime()),
                      hostOf(s)
                    }));
    status
        .getNodesDownMap()
        .forEach(
            (id, host) ->
                rows.putIfAbsent(id, new String[] {Integer.toString(id), "down", "-", "-", host}));
    Text.Table table = new Text.Table("ID", "Status", "Role", "Uptime", "Host");
    rows.values().forEach(table::row);
    return table.toString();
  }
}
