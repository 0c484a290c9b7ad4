package io.openkms.http.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.openkms.http.tls.CertifiedKey;
import io.openkms.http.tls.Identities;
import io.openkms.http.tls.ServerTls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * A tiny HTTPS/1.1 server for client tests, also of the load generator's connection (JDK {@code
 * com.sun.net.httpserver}) with {@link ServerTls}: requires a client certificate, records every
 * request, and answers with a settable {@link Handler}.
 */
public final class TestHttpsServer implements AutoCloseable {

  /** One request as the server saw it. */
  public record Seen(
      String method,
      String rawPath,
      String rawQuery,
      Map<String, List<String>> headers,
      byte[] body,
      String identity,
      String protocol) {

    /** The header's values joined by commas, or null. */
    public String header(String name) {
      List<String> values = headers.get(name);
      return values == null ? null : String.join(",", values);
    }
  }

  /** An answer: status, Content-Type (null = none) and body (null = no body). */
  public record Answer(int status, String contentType, byte[] body, boolean chunked) {
    /** An answer that is not chunked. */
    public static Answer of(int status, String contentType, byte[] body) {
      return new Answer(status, contentType, body, false);
    }
  }

  /** Computes the answer to a request. */
  public interface Handler {
    /** The answer to {@code request}. */
    Answer handle(Seen request) throws Exception;
  }

  private final HttpsServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private volatile Handler handler;

  /** Starts on an ephemeral loopback port with {@code key} as its certificate. */
  public TestHttpsServer(CertifiedKey key, Handler handler) throws IOException {
    this.handler = handler;
    SSLContext context = ServerTls.sslContext(key);
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(
        new HttpsConfigurator(context) {
          @Override
          public void configure(HttpsParameters params) {
            params.setSSLParameters(ServerTls.sslParameters(context));
          }
        });
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      var session = ((HttpsExchange) exchange).getSSLSession();
      Seen request =
          new Seen(
              exchange.getRequestMethod(),
              exchange.getRequestURI().getRawPath(),
              exchange.getRequestURI().getRawQuery(),
              Map.copyOf(exchange.getRequestHeaders()),
              exchange.getRequestBody().readAllBytes(),
              Identities.peer(session),
              session.getProtocol());
      seen.add(request);
      Answer answer;
      try {
        answer = handler.handle(request);
      } catch (Exception e) {
        answer = Answer.of(500, "text/plain", String.valueOf(e).getBytes());
      }
      if (answer.contentType() != null) {
        exchange.getResponseHeaders().set("Content-Type", answer.contentType());
      }
      byte[] body = answer.body() == null ? new byte[0] : answer.body();
      // com.sun.net.httpserver: -1 = no body, 0 = chunked, n = Content-Length n.
      long length = answer.chunked() ? 0 : (body.length == 0 ? -1 : body.length);
      exchange.sendResponseHeaders(answer.status(), length);
      if (body.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }

  /** {@code 127.0.0.1:<port>}. */
  public String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** Answers with {@code handler} from now on. */
  public void handler(Handler handler) {
    this.handler = handler;
  }

  /** Requests seen so far, in arrival order. */
  public List<Seen> requests() {
    return List.copyOf(seen);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
