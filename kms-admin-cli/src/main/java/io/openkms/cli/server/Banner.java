package io.openkms.cli.server;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The block a node prints once it serves requests (docs/REFERENCE.md §14 step 3). Labels are padded
 * to 15 characters; each node is a line {@code Node <id>: <host:port>}, with {@code <-} after this
 * node:
 *
 * <pre>
 * Version        2025-11-12T19-14-51Z
 * HSM            hsm:minio:soft
 * Cluster        ID      a8780bd2-a31c-49dd-953b-2c7619ae3249
 *                Node 0: minkms-node0.example.net:7373 &lt;-
 *
 * Endpoint       https://minkms-node0.example.net:7373
 * API Key        k1:APIKEY
 *
 * =&gt; Server is up and running...
 * </pre>
 *
 * With a {@code tlsNote} (e.g. that a self-signed certificate was generated), a line {@code TLS
 * <note>} follows {@code API Key}.
 *
 * @param version the release, {@code BuildInfo.release()}
 * @param hsm the HSM's name, e.g. {@code hsm:minio:soft}
 * @param clusterId the cluster ID (UUID text)
 * @param nodes the cluster's nodes, id → {@code host:port} (kept sorted by id)
 * @param thisNode the id of this node (marked {@code <-})
 * @param endpoint this node's URL, e.g. {@code https://minkms-node0.example.net:7373}
 * @param apiKey the root API key, {@code k1:...}
 * @param tlsNote an optional extra line about TLS
 * @param adminIdentity the {@code admin.identity} of the config when it replaces the root identity:
 *     then a line {@code Admin h1:… (admin.identity; the API key above is not the admin)} follows
 *     {@code API Key} (issue 13: the HSM-derived key has no rights then)
 */
public record Banner(
    String version,
    String hsm,
    String clusterId,
    Map<Integer, String> nodes,
    int thisNode,
    String endpoint,
    String apiKey,
    Optional<String> tlsNote,
    Optional<String> adminIdentity) {

  private static final int LABEL_WIDTH = 15;

  /** A banner without an {@code admin.identity}. */
  public Banner(
      String version,
      String hsm,
      String clusterId,
      Map<Integer, String> nodes,
      int thisNode,
      String endpoint,
      String apiKey,
      Optional<String> tlsNote) {
    this(version, hsm, clusterId, nodes, thisNode, endpoint, apiKey, tlsNote, Optional.empty());
  }

  public Banner {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(hsm, "hsm");
    Objects.requireNonNull(clusterId, "clusterId");
    nodes = Collections.unmodifiableSortedMap(new TreeMap<>(nodes));
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(tlsNote, "tlsNote");
    Objects.requireNonNull(adminIdentity, "adminIdentity");
  }

  /** The banner text, lines separated and ended by {@code \n}. */
  public String render() {
    StringBuilder out = new StringBuilder();
    line(out, "Version", version);
    line(out, "HSM", hsm);
    line(out, "Cluster", "ID      " + clusterId);
    for (Map.Entry<Integer, String> node : nodes.entrySet()) {
      line(
          out,
          "",
          "Node "
              + node.getKey()
              + ": "
              + node.getValue()
              + (node.getKey() == thisNode ? " <-" : ""));
    }
    out.append('\n');
    line(out, "Endpoint", endpoint);
    line(out, "API Key", apiKey);
    adminIdentity.ifPresent(
        id -> line(out, "Admin", id + " (admin.identity; the API key above is not the admin)"));
    tlsNote.ifPresent(note -> line(out, "TLS", note));
    out.append('\n');
    out.append("=> Server is up and running...\n");
    return out.toString();
  }

  private static void line(StringBuilder out, String label, String value) {
    out.append(label).append(" ".repeat(LABEL_WIDTH - label.length())).append(value).append('\n');
  }
}
