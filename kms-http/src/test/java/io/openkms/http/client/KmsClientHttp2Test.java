package io.openkms.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.tls.Identities;
import io.openkms.http.tls.ServerTls;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.Frames;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client speaks HTTP/2 (ALPN {@code h2}) to a server that offers it: a Pekko HTTP server with
 * {@code enable-http2 = on} and {@link ServerTls} engines (docs/PROTOCOL.md §1), and that server
 * sees the client certificate's identity through the SSL session attribute.
 */
class KmsClientHttp2Test {

  /** What the Pekko server saw of one request. */
  record Seen(String protocol, String path, String identity) {}

  private ActorSystem system;
  private ServerBinding binding;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    Config config =
        ConfigFactory.parseString(
                String.join(
                    "\n",
                    "pekko.http.server.enable-http2 = on",
                    "pekko.http.server.parsing.ssl-session-attribute = on",
                    "pekko.loglevel = WARNING",
                    "pekko.coordinated-shutdown.exit-jvm = off",
                    "pekko.jvm-shutdown-hooks = off"))
            .withFallback(ConfigFactory.load());
    system = ActorSystem.create("http2-test", config);
    Materializer materializer = Materializer.matFromSystem(system);
    SSLContext context = ServerTls.sslContext(ClientFixtures.loopbackNode());
    binding =
        Http.get(system)
            .newServerAt("127.0.0.1", 0)
            .enableHttps(ConnectionContext.httpsServer(() -> ServerTls.newEngine(context)))
            .bind(
                (org.apache.pekko.japi.function.Function<
                        HttpRequest, java.util.concurrent.CompletionStage<HttpResponse>>)
                    request -> handle(request, materializer))
            .toCompletableFuture()
            .get(20, TimeUnit.SECONDS);
  }

  private CompletableFuture<HttpResponse> handle(HttpRequest request, Materializer materializer) {
    return request
        .entity()
        .toStrict(5000, materializer)
        .toCompletableFuture()
        .thenApply(
            entity -> {
              String identity =
                  request
                      .getAttribute(AttributeKeys.sslSession)
                      .map(
                          info -> {
                            try {
                              return Identities.peer(info.getSession());
                            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                              return "unverified";
                            }
                          })
                      .orElse("none");
              seen.add(new Seen(request.protocol().value(), request.getUri().path(), identity));
              List<Frame> answers = new ArrayList<>();
              for (Frame f : Frames.decode(entity.getData().toArray())) {
                try {
                  EncryptRequest req = EncryptRequest.parseFrom(f.payload());
                  answers.add(
                      new Frame(
                          205,
                          EncryptResponse.newBuilder()
                              .setVersion(7)
                              .setCiphertext(req.getPlaintext())
                              .build()
                              .toByteArray()));
                } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                  throw new IllegalStateException(e);
                }
              }
              return HttpResponse.create()
                  .withEntity(ContentTypes.APPLICATION_OCTET_STREAM, Frames.encode(answers));
            });
  }

  @AfterEach
  void stop() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  @Test
  void batchOverHttp2() throws Exception {
    String host = "127.0.0.1:" + binding.localAddress().getPort();
    KmsClient client = ClientFixtures.client(0, host).build();
    List<EncryptResponse> out =
        client.encrypt(
            "my enclave",
            List.of(
                EncryptRequest.newBuilder()
                    .setName("a")
                    .setPlaintext(com.google.protobuf.ByteString.copyFromUtf8("x"))
                    .build(),
                EncryptRequest.newBuilder()
                    .setName("b")
                    .setPlaintext(com.google.protobuf.ByteString.copyFromUtf8("y"))
                    .build()));
    assertEquals(
        List.of("x", "y"), out.stream().map(r -> r.getCiphertext().toStringUtf8()).toList());
    assertEquals(7, out.get(1).getVersion());
    assertEquals(
        List.of(new Seen("HTTP/2.0", "/v1/kms/my%20enclave", ClientFixtures.IDENTITY)), seen);
  }
}
