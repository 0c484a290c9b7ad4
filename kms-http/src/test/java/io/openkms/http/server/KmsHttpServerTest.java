package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.junit.jupiter.api.Test;

/**
 * {@link KmsHttpServer#strictBodies}: HTTP/2 request bodies collected whole; {@link
 * KmsHttpServer#streams}: streams per connection.
 */
class KmsHttpServerTest {

  private static ServerSettings settings(String overrides) {
    Config config =
        ConfigFactory.parseString(overrides)
            .withFallback(KmsHttpServer.defaults())
            .withFallback(ConfigFactory.defaultReference())
            .resolve();
    return ServerSettings.create(config);
  }

  private static int strictSize(String overrides) {
    return KmsHttpServer.strictBodies(settings(overrides))
        .getHttp2Settings()
        .minCollectStrictEntitySize();
  }

  @Test
  void collectsBodiesUpTo32KiBByDefault() {
    assertEquals(0, settings("").getHttp2Settings().minCollectStrictEntitySize());
    assertEquals(32 * 1024, strictSize(""));
  }

  @Test
  void keepsAConfiguredValue() {
    assertEquals(100, strictSize("pekko.http.server.http2.min-collect-strict-entity-size = 100"));
  }

  @Test
  void staysWithinTheFlowControlBuffers() {
    // 1 MiB per connection / 256 streams = 4 KiB
    assertEquals(
        4096,
        strictSize("pekko.http.server.http2.incoming-connection-level-buffer-size = 1048576"));
    assertEquals(
        2048, strictSize("pekko.http.server.http2.incoming-stream-level-buffer-size = 2048"));
    // buffers too small to collect anything: bodies stay streamed
    assertEquals(
        0, strictSize("pekko.http.server.http2.incoming-connection-level-buffer-size = 100"));
  }

  @Test
  void limitsHttp2StreamsPerConnectionTo128AndKeepsStrictBodiesAt32KiB() {
    Config config = KmsHttpServer.defaults().resolve();
    assertEquals(128, config.getInt(KmsHttpServer.MAX_STREAMS_KEY));
    ServerSettings s = KmsHttpServer.streams(settings(""), config);
    assertEquals(128, s.getHttp2Settings().getMaxConcurrentStreams());
    assertEquals(
        32 * 1024, KmsHttpServer.strictBodies(s).getHttp2Settings().minCollectStrictEntitySize());
    assertEquals(
        5,
        KmsHttpServer.streams(
                settings(""),
                ConfigFactory.parseString(KmsHttpServer.MAX_STREAMS_KEY + " = 5")
                    .withFallback(config))
            .getHttp2Settings()
            .getMaxConcurrentStreams());
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class,
            () ->
                KmsHttpServer.streams(
                    settings(""),
                    ConfigFactory.parseString(KmsHttpServer.MAX_STREAMS_KEY + " = 0")));
    org.junit.jupiter.api.Assertions.assertTrue(
        e.getMessage().contains(KmsHttpServer.MAX_STREAMS_KEY), e.getMessage());
  }
}
