package io.openkms.kms.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.openkms.kms.lifecycle.LifecycleTimeouts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How a node runs its clustered actor system (docs/ARCHITECTURE.md §2 "Ports", §3).
 *
 * @param host the node's name {@code host:port} ({@code --host}); its host part is the Artery
 *     canonical host name
 * @param bindHost the interface Artery listens on (the API's listen address, e.g. {@code 0.0.0.0})
 * @param clusterPort the internode port (by default the API port + 1)
 * @param writeTimeout the bound on a write (10 s)
 * @param timeouts the lifecycle machines' timeouts (the supervisor's restart delay, join, probe and
 *     termination bounds; the replica's restart rules; the leader's join bounds)
 * @param stableAfter the split brain resolver's {@code stable-after}
 * @param heartbeat the failure detector's heartbeat interval, the config file's {@code heartbeat}
 *     (docs/REFERENCE.md §3.2); {@link Duration#ZERO}: Pekko's default (1 s)
 */
public record ClusterSettings(
    String host,
    String bindHost,
    int clusterPort,
    Duration writeTimeout,
    LifecycleTimeouts timeouts,
    Duration stableAfter,
    Duration heartbeat) {

  /** The name of every node's clustered actor system (part of its Pekko address). */
  public static final String SYSTEM_NAME = "minkms-cluster";

  /** The role prefix that names a member's KMS host: {@code kms-host=<host:port>}. */
  public static final String HOST_ROLE = "kms-host=";

  /**
   * How the clustered system encodes what crosses the wire: every {@link
   * io.openkms.kms.actors.InternodeMessage} with {@link InternodeSerializer} (protobuf, id {@value
   * InternodeSerializer#IDENTIFIER}); Pekko's {@code jackson-cbor} serializer (id 33), which
   * encoded them in earlier releases, stays registered and may read this module's classes, so that
   * the messages a node of an earlier release sends are still read during a rolling upgrade
   * (docs/CONTRACTS.md "Internode encoding").
   */
  public static final Config SERIALIZATION =
      ConfigFactory.parseString(
          "pekko.actor.serializers.\""
              + InternodeSerializer.NAME
              + "\" = \""
              + InternodeSerializer.class.getName()
              + "\"\n"
              + "pekko.actor.serialization-bindings.\"io.openkms.kms.actors.InternodeMessage\" = \""
              + InternodeSerializer.NAME
              + "\"\n"
              + "pekko.serialization.jackson.jackson-cbor.allowed-class-prefix ="
              + " [\"io.openkms.\"]\n");

  /**
   * Defaults: {@link LifecycleTimeouts#DEFAULTS} (restart after 2 s), stable-after 7 s, Pekko's
   * heartbeat interval.
   */
  public static ClusterSettings of(
      String host, String bindHost, int clusterPort, Duration writeTimeout) {
    return new ClusterSettings(
        host,
        bindHost,
        clusterPort,
        writeTimeout,
        LifecycleTimeouts.DEFAULTS,
        Duration.ofSeconds(7),
        Duration.ZERO);
  }

  /** These settings with the heartbeat interval {@code interval} (zero: Pekko's default). */
  public ClusterSettings withHeartbeat(Duration interval) {
    return new ClusterSettings(
        host, bindHost, clusterPort, writeTimeout, timeouts, stableAfter, interval);
  }

  /** These settings with the lifecycle timeouts {@code lifecycle} (those of the local node). */
  public ClusterSettings withTimeouts(LifecycleTimeouts lifecycle) {
    return new ClusterSettings(
        host, bindHost, clusterPort, writeTimeout, lifecycle, stableAfter, heartbeat);
  }

  /** Validates the settings. */
  public ClusterSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(bindHost, "bindHost");
    Objects.requireNonNull(timeouts, "timeouts");
    if (heartbeat == null || heartbeat.isNegative()) {
      throw new IllegalArgumentException("invalid heartbeat " + heartbeat);
    }
    if (clusterPort < 1 || clusterPort > 65535) {
      throw new IllegalArgumentException("invalid cluster port " + clusterPort);
    }
  }

  /** The host part of {@link #host()} (brackets of an IPv6 literal removed). */
  public String canonicalHostname() {
    int colon = host.lastIndexOf(':');
    String name = colon > 0 ? host.substring(0, colon) : host;
    return name.startsWith("[") && name.endsWith("]") ? name.substring(1, name.length() - 1) : name;
  }

  /** This node's Pekko address, e.g. {@code pekko://minkms-cluster@10.0.0.2:7374}. */
  public String address() {
    String name = canonicalHostname();
    return "pekko://"
        + SYSTEM_NAME
        + "@"
        + (name.contains(":") ? "[" + name + "]" : name)
        + ":"
        + clusterPort;
  }

  /**
   * The configuration of the clustered actor system, on top of {@code base} (the operator's {@code
   * application.conf} and the libraries' defaults): cluster provider, Artery over {@code tls-tcp}
   * with {@link InternodeSslEngineProvider}, the split brain resolver {@code keep-majority}, the
   * KMS host as a role, {@link #SERIALIZATION} for {@code InternodeMessage}; a configured {@link
   * #heartbeat()} sets the failure detector's heartbeat interval, with an acceptable heartbeat
   * pause of three intervals (at least Pekko's default of 3 s). With {@code
   * minkms.internode.encoding = jackson-cbor} in {@code base} (first step of a rolling upgrade from
   * a release before protobuf) {@code InternodeMessage} stays bound to {@code jackson-cbor}.
   *
   * @throws IllegalArgumentException if {@code minkms.internode.encoding} is invalid
   */
  public Config pekkoConfig(Config base) {
    Map<String, Object> c = new TreeMap<>();
    c.put("pekko.actor.provider", "cluster");
    c.put("pekko.remote.artery.transport", "tls-tcp");
    c.put("pekko.remote.artery.canonical.hostname", canonicalHostname());
    c.put("pekko.remote.artery.canonical.port", clusterPort);
    c.put("pekko.remote.artery.bind.hostname", bindHost);
    c.put("pekko.remote.artery.bind.port", clusterPort);
    c.put(
        "pekko.remote.artery.ssl.ssl-engine-provider", InternodeSslEngineProvider.class.getName());
    c.put("pekko.cluster.roles", List.of(HOST_ROLE + host));
    c.put(
        "pekko.cluster.downing-provider-class",
        "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
    c.put("pekko.cluster.split-brain-resolver.active-strategy", "keep-majority");
    c.put("pekko.cluster.split-brain-resolver.stable-after", stableAfter.toMillis() + "ms");
    if (!heartbeat.isZero()) {
      c.put("pekko.cluster.failure-detector.heartbeat-interval", heartbeat.toMillis() + "ms");
      c.put(
          "pekko.cluster.failure-detector.acceptable-heartbeat-pause",
          Math.max(3_000, 3 * heartbeat.toMillis()) + "ms");
    }
    c.put("pekko.cluster.jmx.enabled", "off");
    c.put("pekko.cluster.log-info", "off");
    c.put("pekko.cluster.run-coordinated-shutdown-when-down", "on");
    c.put("pekko.coordinated-shutdown.exit-jvm", "off");
    c.put("pekko.coordinated-shutdown.terminate-actor-system", "on");
    c.put("pekko.log-dead-letters", "off");
    c.put("pekko.log-dead-letters-during-shutdown", "off");
    Config ours = ConfigFactory.empty();
    for (Map.Entry<String, Object> e : c.entrySet()) {
      ours = ours.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
    }
    return ours.withFallback(serialization(base)).withFallback(base).resolve();
  }

  /**
   * {@link #SERIALIZATION}, with {@code InternodeMessage} bound to {@code jackson-cbor} instead
   * when {@code base} sets {@code minkms.internode.encoding = jackson-cbor} (the first step of a
   * rolling upgrade from a release before protobuf).
   *
   * @throws IllegalArgumentException if {@code minkms.internode.encoding} is invalid
   */
  public static Config serialization(Config base) {
    if (!io.openkms.kms.actors.WireSize.legacyEncoding(base)) {
      return SERIALIZATION;
    }
    return ConfigFactory.parseString(
            "pekko.actor.serialization-bindings.\"io.openkms.kms.actors.InternodeMessage\" ="
                + " jackson-cbor")
        .withFallback(SERIALIZATION);
  }
}
