package io.openkms.cli;

import com.google.protobuf.Timestamp;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.openkms.http.proto.KeyStatusResponse;
import io.openkms.http.proto.ListKeysResponse;
import io.openkms.http.tls.SelfSigned;
import io.openkms.http.tls.ServerTls;
import io.openkms.http.wire.Frame;
import io.openkms.http.wire.Frames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import javax.net.ssl.SSLContext;

/**
 * The training run of the client commands' class-data sharing archive ({@code MINKMS_CDS_DUMP=1
 * bin/minkms}, docs/PERFORMANCE.md "CLI start time"): runs {@code minkms ls-key} against a stand-in
 * HTTPS server in this JVM, so the JVM lists every class a real client command loads, the TLS
 * handshake with a client certificate, the HTTP/1.1 exchange and the decoding and printing of an
 * answer included. A training run against a closed port (as before) missed about 560 classes, 265
 * of them the JDK's TLS implementation, which every client command then loaded and verified from
 * the jars at each start.
 *
 * <p>The stand-in answers every request 200 {@code application/octet-stream} with one {@link
 * ListKeysResponse} frame per request frame; it listens on a random loopback port for the run's
 * duration only.
 */
public final class CdsTraining {
  /** A fixed, throw-away API key: the stand-in server accepts any client certificate. */
  static final String API_KEY = "k1:cgIuPVl75dWFiKaAc5INDeTYkyoCBkxDmtFWvUPk5Qo";

  private CdsTraining() {}

  /** Runs the training command; exits with its exit code. */
  public static void main(String[] args) throws IOException {
    System.exit(run(CliContext.system(), Minkms::run));
  }

  /**
   * Runs {@code minkms ls-key -k -e cds-training} with {@code minkms} in {@code context} against a
   * stand-in server.
   *
   * @param minkms runs the CLI with a context and arguments, returns the exit code
   * @return what {@code minkms} returned (0 when the whole path ran)
   */
  static int run(CliContext context, BiFunction<CliContext, String[], Integer> minkms)
      throws IOException {
    KeyPair pair = SelfSigned.newEcKeyPair();
    X509Certificate cert =
        SelfSigned.serverCertificate(pair, List.of("127.0.0.1"), Duration.ofHours(1));
    SSLContext tls = ServerTls.sslContext(pair, List.of(cert));
    HttpsServer server =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(
        new HttpsConfigurator(tls) {
          @Override
          public void configure(HttpsParameters params) {
            params.setSSLParameters(ServerTls.sslParameters(tls));
          }
        });
    server.createContext("/", CdsTraining::answer);
    server.start();
    try {
      Map<String, String> env = new HashMap<>(context.env());
      env.put("MINIO_KMS_SERVER", "https://127.0.0.1:" + server.getAddress().getPort());
      env.put("MINIO_KMS_API_KEY", API_KEY);
      return minkms.apply(
          context.withEnv(env), new String[] {"ls-key", "-k", "-e", "cds-training"});
    } finally {
      server.stop(0);
    }
  }

  private static void answer(HttpExchange exchange) throws IOException {
    byte[] request;
    try (InputStream in = exchange.getRequestBody()) {
      request = in.readAllBytes();
    }
    List<Frame> frames = request.length == 0 ? List.of() : Frames.decode(request);
    byte[] listing =
        ListKeysResponse.newBuilder()
            .addKeys(
                KeyStatusResponse.newBuilder()
                    .setName("cds-training")
                    .setType("AES256")
                    .setCreatedAt(Timestamp.newBuilder().setSeconds(1_700_000_000L)))
            .build()
            .toByteArray();
    byte[] body =
        Frames.encode(frames.stream().map(f -> new Frame(f.commandId(), listing)).toList());
    exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
    exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
