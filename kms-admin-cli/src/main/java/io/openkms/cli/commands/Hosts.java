package io.openkms.cli.commands;

import io.openkms.cli.CliException;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * The {@code HOST[:PORT]} argument of the cluster commands (docs/REFERENCE.md §2.4): a host name or
 * IP (IPv6 in brackets), an optional port (default 7373) and an optional {@code https://} in front,
 * as the recovery page writes {@code minkms edit https://healthy:7373 --rm 2}.
 */
public final class Hosts {
  /** The port when none is given. */
  public static final int DEFAULT_PORT = 7373;

  private Hosts() {}

  /**
   * The argument as {@code host:port} ({@code [v6]:port}), the form nodes are named by.
   *
   * @throws CliException exit 2, {@code invalid host '<arg>': <reason>}, reason one of {@code only
   *     https is supported}, {@code missing host}, {@code invalid host or port}, {@code invalid
   *     port}, {@code must not have a path, query or user}
   */
  public static String normalize(String arg) throws CliException {
    String entry = arg.strip();
    String text = entry.contains("://") ? entry : "https://" + entry;
    String rest = text.substring(text.indexOf("://") + 3);
    if (rest.isEmpty() || rest.startsWith(":") || rest.startsWith("/")) {
      throw invalid(arg, "missing host");
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw invalid(arg, "invalid host or port");
    }
    if (!"https".equalsIgnoreCase(uri.getScheme())) {
      throw invalid(arg, "only https is supported");
    }
    String authority = uri.getRawAuthority();
    if (authority == null || authority.isEmpty() || authority.startsWith(":")) {
      throw invalid(arg, "missing host");
    }
    if (uri.getHost() == null) {
      throw invalid(arg, "invalid host or port");
    }
    String path = uri.getRawPath();
    if (uri.getRawUserInfo() != null
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null
        || (path != null && !path.isEmpty() && !path.equals("/"))) {
      throw invalid(arg, "must not have a path, query or user");
    }
    int port = uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort();
    if (port < 1 || port > 65535) {
      throw invalid(arg, "invalid port");
    }
    return uri.getHost() + ":" + port;
  }

  private static CliException invalid(String arg, String reason) {
    return CliException.usage("invalid host '" + arg + "': " + reason);
  }
}
