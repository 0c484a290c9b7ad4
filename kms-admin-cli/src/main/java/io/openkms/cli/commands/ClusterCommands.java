package io.openkms.cli.commands;

import io.openkms.cli.CliException;
import io.openkms.http.client.KmsClient;
import io.openkms.http.client.KmsClientException;
import io.openkms.http.proto.AddClusterNodeRequest;
import io.openkms.http.proto.ClusterStatusResponse;
import io.openkms.http.proto.EditClusterRequest;
import io.openkms.http.proto.RemoveClusterNodeRequest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The cluster topology commands (docs/REFERENCE.md §2.4): {@code add}, {@code rm}, {@code ls},
 * {@code stat}, {@code edit}. All need SysAdmin; the server answers 403 {@code access denied:
 * insufficient permissions} otherwise. {@code HOST} is {@code [https://]host[:port]}, port 7373 by
 * default ({@link Hosts}).
 */
public final class ClusterCommands {
  private ClusterCommands() {}

  /**
   * The exit code of {@code stat} and {@code ls}: 0 when every node is up and healthy, {@link
   * CliException#NODES_DOWN} (3) when some node that the cluster lists is down, or up but unhealthy
   * (its replica cannot journal writes, or its writes did not commit lately: the {@code Health}
   * line).
   */
  static int exitCode(ClusterStatusResponse status) {
    boolean down =
        status.getNodesDownMap().keySet().stream()
            .anyMatch(id -> !status.getNodesUpMap().containsKey(id));
    boolean unhealthy =
        status.getNodesUpMap().values().stream().anyMatch(s -> !s.getHealth().isEmpty());
    return down || unhealthy ? CliException.NODES_DOWN : 0;
  }

  /**
   * {@code minkms add HOST[:PORT]}: {@code CLUSTER:ADDNODE} (1) sent to the cluster of {@code
   * MINIO_KMS_SERVER}, which adds the fresh node HOST. Prints nothing on success. When HOST is a
   * member already (409 {@code kms: node 'H' is already part of the cluster}: typically a reset
   * member that the leader re-admitted by itself before the operator ran {@code add}, as the
   * deployment guide's troubleshooting steps say to), the line goes on with {@link
   * #ALREADY_MEMBER_HINT}; still exit 1, since nothing was added.
   */
  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      description = {
        "Add a fresh node, started with the same HSM key, to the cluster.",
        "Run it against an existing member (MINIO_KMS_SERVER), never from the new node."
      })
  public static final class Add extends ClientCommand implements ClientCommand.ClusterLevel {
    /** What the operator learns after a 409 "already part of the cluster". */
    static final String ALREADY_MEMBER_HINT =
        ": nothing to add ('minkms ls' lists it; the leader re-admits a reset member by itself)";

    /**
     * What the operator learns when HOST answered, but not with the API's HTTPS (operator trial:
     * {@code add HOST:7374}, the cluster port, said only {@code Connection reset}).
     */
    static final String NOT_HTTPS_HINT =
        " (is PORT the new node's API port, as in its --host? its cluster port, the API port + 1,"
            + " does not answer HTTPS)";

    @Parameters(
        paramLabel = "HOST[:PORT]",
        description = "The new node, as it was started with --host.")
    String host;

    private String normalized;

    /**
     * Above the server's bound on {@code CLUSTER:ADDNODE} (103 s, {@code
     * ClusterNode.ADD_REQUEST_TIMEOUT}): installing a large state takes longer than other requests.
     */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(110);

    @Override
    protected void check() throws CliException {
      normalized = Hosts.normalize(host);
    }

    @Override
    protected Duration requestTimeout() {
      return REQUEST_TIMEOUT;
    }

    @Override
    protected int run(KmsClient client) throws CliException {
      if (context().terminal()) {
        PrintWriter err = spec().commandLine().getErr();
        err.println(
            "Adding "
                + normalized
                + ": checking the node, joining it to the cluster and "
                + "copying the cluster's state to it (this takes a few seconds) ...");
        err.flush();
      }
      try {
        client.addNode(AddClusterNodeRequest.newBuilder().setHost(normalized).build());
      } catch (KmsClientException e) {
        if (e.status() == 409 && e.getMessage().endsWith("is already part of the cluster")) {
          throw CliException.failure(
              e.getMessage() + ClientErrors.inDoubtNote(e) + ALREADY_MEMBER_HINT);
        }
        if (e.status() == 503
            && e.getMessage().contains(" is not reachable: ")
            && !e.getMessage().endsWith("connection refused")) {
          throw CliException.failure(e.getMessage() + ClientErrors.inDoubtNote(e) + NOT_HTTPS_HINT);
        }
        throw e;
      }
      return 0;
    }
  }

  /**
   * {@code minkms rm HOST[:PORT]}: {@code CLUSTER:REMOVENODE} (2), removes a node from a healthy
   * cluster. Prints nothing on success.
   */
  @Command(
      name = "rm",
      mixinStandardHelpOptions = true,
      description = {"Remove a node from a healthy cluster.", "Run it against a node that stays."})
  public static final class Rm extends ClientCommand implements ClientCommand.ClusterLevel {
    @Parameters(paramLabel = "HOST[:PORT]", description = "The node to remove.")
    String host;

    private String normalized;

    @Override
    protected void check() throws CliException {
      normalized = Hosts.normalize(host);
    }

    @Override
    protected int run(KmsClient client) {
      client.removeNode(RemoveClusterNodeRequest.newBuilder().setHost(normalized).build());
      return 0;
    }
  }

  /**
   * {@code minkms ls}: {@code CLUSTER:STATUS} (3) as a table of the nodes ({@link
   * ClusterStatusFormat#ls}); with {@code --json} the answer's protojson.
   */
  @Command(
      name = "ls",
      mixinStandardHelpOptions = true,
      description = "List the nodes of the cluster: ID, status, role, uptime and host.",
      footer = {"", "Exit code 3 when the cluster answers but some of its nodes are down."})
  public static final class Ls extends ClientCommand implements ClientCommand.ClusterLevel {
    @Override
    protected int run(KmsClient client) {
      ClusterStatusResponse status = client.clusterStatus();
      out().print(json() ? Json.of(status) + "\n" : ClusterStatusFormat.ls(status));
      return exitCode(status);
    }
  }

  /**
   * {@code minkms stat [--json]}: {@code CLUSTER:STATUS} (3), one block per node and a summary
   * ({@link ClusterStatusFormat#stat}); with {@code --json} the answer's protojson, e.g. {@code
   * {"nodes_up":{"0":{"version":…,"role":"Leader",…}},"nodes_down":{}}}.
   */
  @Command(
      name = "stat",
      mixinStandardHelpOptions = true,
      description = "Show the status of every node of the cluster.",
      footer = {"", "Exit code 3 when the cluster answers but some of its nodes are down."})
  public static final class Stat extends ClientCommand implements ClientCommand.ClusterLevel {
    @Override
    protected int run(KmsClient client) {
      ClusterStatusResponse status = client.clusterStatus();
      out().print(json() ? Json.of(status) + "\n" : ClusterStatusFormat.stat(status, colour()));
      return exitCode(status);
    }
  }

  /**
   * {@code minkms edit HOST[:PORT] --rm ID...}: {@code CLUSTER:EDIT} (4) sent to HOST itself (no
   * failover), which drops the given node ids from its own cluster definition without write quorum.
   * Used to remove dead nodes, one at a time. Prints nothing on success.
   */
  @Command(
      name = "edit",
      mixinStandardHelpOptions = true,
      description = {
        "Edit one node's cluster definition without write quorum.",
        "Used to remove dead nodes: minkms edit https://healthy:7373 --rm 2"
      })
  public static final class Edit extends ClientCommand implements ClientCommand.ClusterLevel {
    @Parameters(paramLabel = "HOST[:PORT]", description = "The node to edit.")
    String host;

    @Option(
        names = "--rm",
        paramLabel = "ID",
        required = true,
        description = "Remove the node with this id (repeatable).")
    List<Integer> remove;

    private String normalized;

    @Override
    protected void check() throws CliException {
      normalized = Hosts.normalize(host);
      for (int id : remove) {
        if (id < 0) {
          throw CliException.usage("invalid node id " + id + ": must be 0 or more");
        }
      }
    }

    @Override
    protected int run(KmsClient client) {
      client.editCluster(
          EditClusterRequest.newBuilder()
              .setHost(normalized)
              .addAllRemoveIDs(remove.stream().map(Integer::longValue).toList())
              .build());
      return 0;
    }
  }
}
