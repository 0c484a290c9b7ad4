package io.openkms.cli.client;

import io.openkms.cli.CliException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

/**
 * The servers a client command talks to: {@code MINIO_KMS_SERVER}, a comma-separated list of {@code
 * [https://]host[:port]} (port 7373 if omitted), else {@code https://localhost:7373}
 * (docs/REFERENCE.md §2.1, §7.7).
 */
public final class ServerList {
  /** The environment variable that lists the servers. */
  public static final String SERVER_ENV = "MINIO_KMS_SERVER";

  /** The server when {@link #SERVER_ENV} is unset or empty. */
  public static final URI DEFAULT_SERVER = URI.create("https://localhost:7373");

  private static final int DEFAULT_PORT = 7373;

  private ServerList() {}

  /**
   * The servers of a {@code MINIO_KMS_SERVER} value, each normalized to {@code https://host:port}
   * (IPv6 in brackets), in the given order; empty entries are skipped.
   *
   * @param value the variable's value, or null when it is unset
   * @return at least one server; {@link #DEFAULT_SERVER} when {@code value} lists none
   * @throws CliException exit 2, {@code invalid MINIO_KMS_SERVER entry '<entry>': <reason>}, reason
   *     one of {@code only https is supported}, {@code missing host}, {@code invalid host or port},
   *     {@code invalid port}, {@code must not have a path, query or user}, or the URI syntax error
   */
  public static List<URI> parse(String value) throws CliException {
    List<URI> servers = new ArrayList<>();
    if (value != null) {
      for (String part : value.split(",")) {
        String entry = part.strip();
        if (!entry.isEmpty()) {
          servers.add(server(entry));
        }
      }
    }
    return servers.isEmpty() ? List.of(DEFAULT_SERVER) : List.copyOf(servers);
  }

  private static URI server(String entry) throws CliException {
    String text = entry.contains("://") ? entry : "https://" + entry;
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw invalid(entry, e.getReason());
    }
    if (!"https".equalsIgnoreCase(uri.getScheme())) {
      throw invalid(entry, "only https is supported");
    }
    String authority = uri.getRawAuthority();
    if (authority == null || authority.isEmpty() || authority.startsWith(":")) {
      throw invalid(entry, "missing host");
    }
    if (uri.getHost() == null) {
      throw invalid(entry, "invalid host or port");
    }
    String path = uri.getRawPath();
    if (uri.getRawUserInfo() != null
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null
        || (path != null && !path.isEmpty() && !path.equals("/"))) {
      throw invalid(entry, "must not have a path, query or user");
    }
    int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
    if (port < 1 || port > 65535) {
      throw invalid(entry, "invalid port");
    }
    return URI.create("https://" + uri.getHost() + ":" + port);
  }

  private static CliException invalid(String entry, String reason) {
    return CliException.usage("invalid " + SERVER_ENV + " entry '" + entry + "': " + reason);
  }
}
