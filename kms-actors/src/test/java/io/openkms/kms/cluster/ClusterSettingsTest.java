package io.openkms.kms.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The clustered system's configuration (docs/ARCHITECTURE.md §2 "Ports", §3 split brain resolver).
 */
class ClusterSettingsTest {

  @Test
  void configOnTopOfTheDefaults() {
    ClusterSettings s =
        ClusterSettings.of("10.0.0.2:7373", "0.0.0.0", 7374, Duration.ofSeconds(10));
    assertEquals("pekko://minkms-cluster@10.0.0.2:7374", s.address());
    Config c = s.pekkoConfig(ConfigFactory.defaultReference());
    assertEquals("cluster", c.getString("pekko.actor.provider"));
    assertEquals("tls-tcp", c.getString("pekko.remote.artery.transport"));
    assertEquals("10.0.0.2", c.getString("pekko.remote.artery.canonical.hostname"));
    assertEquals(7374, c.getInt("pekko.remote.artery.canonical.port"));
    assertEquals("0.0.0.0", c.getString("pekko.remote.artery.bind.hostname"));
    assertEquals(
        InternodeSslEngineProvider.class.getName(),
        c.getString("pekko.remote.artery.ssl.ssl-engine-provider"));
    assertEquals(List.of("kms-host=10.0.0.2:7373"), c.getStringList("pekko.cluster.roles"));
    assertEquals(
        "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider",
        c.getString("pekko.cluster.downing-provider-class"));
    assertEquals(
        "keep-majority", c.getString("pekko.cluster.split-brain-resolver.active-strategy"));
    assertEquals(
        Duration.ofSeconds(7), c.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
    assertEquals(
        InternodeSerializer.NAME,
        c.getConfig("pekko.actor.serialization-bindings")
            .getString("\"io.openkms.kms.actors.InternodeMessage\""));
    assertEquals(
        InternodeSerializer.class.getName(),
        c.getString("pekko.actor.serializers." + InternodeSerializer.NAME));
    // the serializer of earlier releases stays, and may read our classes (rolling upgrade)
    assertEquals(
        "org.apache.pekko.serialization.jackson.JacksonCborSerializer",
        c.getString("pekko.actor.serializers.jackson-cbor"));
    assertEquals(
        List.of("io.openkms."),
        c.getStringList("pekko.serialization.jackson.jackson-cbor.allowed-class-prefix"));
  }

  @Test
  void theFirstStepOfARollingUpgradeKeepsWritingJacksonCbor() {
    ClusterSettings s =
        ClusterSettings.of("10.0.0.2:7373", "0.0.0.0", 7374, Duration.ofSeconds(10));
    Config legacy =
        s.pekkoConfig(
            ConfigFactory.parseString("minkms.internode.encoding = jackson-cbor")
                .withFallback(ConfigFactory.defaultReference()));
    assertEquals(
        "jackson-cbor",
        legacy
            .getConfig("pekko.actor.serialization-bindings")
            .getString("\"io.openkms.kms.actors.InternodeMessage\""));
    // the protobuf serializer stays registered: it reads the nodes already on the second step
    assertEquals(
        InternodeSerializer.class.getName(),
        legacy.getString("pekko.actor.serializers." + InternodeSerializer.NAME));
    assertEquals(
        "protobuf", ConfigFactory.defaultReference().getString("minkms.internode.encoding"));
    IllegalArgumentException invalid =
        assertThrows(
            IllegalArgumentException.class,
            () -> s.pekkoConfig(ConfigFactory.parseString("minkms.internode.encoding = json")));
    assertEquals(
        "invalid minkms.internode.encoding 'json': expected protobuf or jackson-cbor",
        invalid.getMessage());
  }

  @Test
  void ipv6HostsAndBadPorts() {
    ClusterSettings s = ClusterSettings.of("[::1]:7373", "::1", 7374, Duration.ofSeconds(10));
    assertEquals("::1", s.canonicalHostname());
    assertEquals("pekko://minkms-cluster@[::1]:7374", s.address());
    assertEquals(
        "invalid cluster port 65536",
        assertThrows(
                IllegalArgumentException.class,
                () -> ClusterSettings.of("h:65535", "0.0.0.0", 65536, Duration.ofSeconds(1)))
            .getMessage());
  }

  @Test
  void configuredHeartbeatSetsTheFailureDetector() {
    ClusterSettings s =
        ClusterSettings.of("10.0.0.2:7373", "0.0.0.0", 7374, Duration.ofSeconds(10));
    Config defaults = s.pekkoConfig(ConfigFactory.defaultReference());
    assertEquals(
        Duration.ofSeconds(1),
        defaults.getDuration("pekko.cluster.failure-detector.heartbeat-interval"));
    Config fast =
        s.withHeartbeat(Duration.ofMillis(500)).pekkoConfig(ConfigFactory.defaultReference());
    assertEquals(
        Duration.ofMillis(500),
        fast.getDuration("pekko.cluster.failure-detector.heartbeat-interval"));
    assertEquals(
        Duration.ofSeconds(3),
        fast.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause"));
    Config slow =
        s.withHeartbeat(Duration.ofMillis(1500)).pekkoConfig(ConfigFactory.defaultReference());
    assertEquals(
        Duration.ofMillis(4500),
        slow.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause"));
    assertThrows(IllegalArgumentException.class, () -> s.withHeartbeat(Duration.ofMillis(-1)));
  }
}
