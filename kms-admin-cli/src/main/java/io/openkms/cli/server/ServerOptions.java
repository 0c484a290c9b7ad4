package io.openkms.cli.server;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The validated command line of {@code minkms server} (docs/REFERENCE.md §2.3), handed to {@link
 * NodeLauncher#launch}.
 *
 * @param dir the node's volume {@code DIR} (holds {@code kms.db} and the store)
 * @param address where the API listens ({@code --address}, default {@code 0.0.0.0:7373})
 * @param host the node's name in the cluster ({@code --host}; default: see {@link #defaultHost})
 * @param configFile the {@code --config} file, if given
 * @param dev {@code --dev}: random root key, ephemeral state
 * @param hsmKey the text of {@code MINIO_KMS_HSM_KEY} ({@code hsm:aes256:...}, not parsed here), if
 *     set; never printed by {@link #toString()}
 */
public record ServerOptions(
    Path dir,
    HostPort address,
    HostPort host,
    Optional<Path> configFile,
    boolean dev,
    Optional<String> hsmKey) {

  /** The default API port. */
  public static final int DEFAULT_PORT = 7373;

  /** The default listen address. */
  public static final String DEFAULT_ADDRESS = "0.0.0.0:7373";

  /** The environment variable holding the software HSM key. */
  public static final String HSM_KEY_ENV = "MINIO_KMS_HSM_KEY";

  public ServerOptions {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(configFile, "configFile");
    Objects.requireNonNull(hsmKey, "hsmKey");
  }

  /**
   * The startup line that says where the API listens (issue 13: {@code --host} without {@code
   * --address} used to listen on every interface without a word): {@code listening on 0.0.0.0:7373
   * (all interfaces); use --address to restrict} for a wildcard address (the reference's default,
   * docs/REFERENCE.md §2.3), else {@code listening on <address>}.
   */
  public static String listeningNotice(HostPort address) {
    return address.isWildcard()
        ? "listening on " + address + " (all interfaces); use --address to restrict"
        : "listening on " + address;
  }

  /**
   * The default {@code --host}, always with the listen port: the listen IP when {@code --address}
   * names one; for a wildcard address, the first IPv4 unicast address of the machine that is not
   * loopback or link-local, else the first such IPv6 address, else {@code 127.0.0.1}
   * (docs/REFERENCE.md §2.3).
   *
   * @param address the listen address
   * @param localAddresses the machine's addresses in interface order
   */
  public static HostPort defaultHost(HostPort address, List<InetAddress> localAddresses) {
    if (!address.isWildcard()) {
      return address;
    }
    InetAddress chosen = null;
    for (InetAddress candidate : localAddresses) {
      boolean unicast =
          !candidate.isLoopbackAddress()
              && !candidate.isLinkLocalAddress()
              && !candidate.isMulticastAddress()
              && !candidate.isAnyLocalAddress();
      if (unicast
          && (chosen == null
              || (candidate instanceof Inet4Address && !(chosen instanceof Inet4Address)))) {
        chosen = candidate;
      }
    }
    String host = chosen == null ? "127.0.0.1" : chosen.getHostAddress().replaceFirst("%.*$", "");
    return new HostPort(host, address.port());
  }

  /** Like the record's, with the HSM key replaced by {@code ***}. */
  @Override
  public String toString() {
    return "ServerOptions[dir="
        + dir
        + ", address="
        + address
        + ", host="
        + host
        + ", configFile="
        + configFile.map(Path::toString).orElse("")
        + ", dev="
        + dev
        + ", hsmKey="
        + (hsmKey.isPresent() ? "***" : "")
        + "]";
  }
}
