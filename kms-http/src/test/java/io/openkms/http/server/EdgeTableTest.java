package io.openkms.http.server;

import static io.openkms.http.server.ApiAssertions.assertJsonError;
import static io.openkms.http.server.ApiAssertions.frames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.openkms.kms.crypto.ApiKey;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.KmsException;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The edge table ({@link Edge.Route}, {@link CommandTable}) is complete and is what the server
 * applies: every command has a privilege, a body limit and a handler; every endpoint of
 * docs/PROTOCOL.md §3 is a route; every route and every command refuses a stranger; and no handler
 * checks rights by itself, so a new route or command cannot skip authorization; every error comes
 * from the catalogue ({@link ApiError}).
 */
class EdgeTableTest {

  private static final String DENIED = "access denied: insufficient permissions";

  private static TestKmsServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestKmsServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void everyCommandHasAPrivilegeABodyLimitAndAHandler() {
    for (Command c : Command.values()) {
      CommandTable.Row<?> row = CommandTable.row(c);
      if (c == Command.KEY_LIST_VERSIONS) { // defined, never sent (docs/PROTOCOL.md §3)
        assertNull(row);
        continue;
      }
      assertNotNull(row, c + " has no row");
      assertEquals(c, row.command());
      // policies never grant cluster commands: those are for SysAdmins (docs/REFERENCE.md §5.3)
      assertEquals(c.isCluster() ? Access.SYSADMIN : Access.POLICY, row.access(), c.text());
      assertTrue(row.maxBodyBytes() > 0, c + " has no body limit");
      assertNotNull(row.parser(), c.text());
      assertTrue((row.read() == null) != (row.write() == null), c + ": one handler");
      assertTrue(!c.isWrite() || row.write() != null, c + " is a write");
      assertTrue(
          row.target() != null || row.access() == Access.SYSADMIN,
          c + ": a policy action is checked against what the request names");
    }
  }

  @Test
  void theCommandRouteReadsTheLargestBodyOfAnyCommand() {
    long largest =
        CommandTable.rows().values().stream()
            .mapToLong(CommandTable.Row::maxBodyBytes)
            .max()
            .orElseThrow();
    assertEquals(largest, Edge.Route.KMS.body.max().applyAsLong(null));
  }

  @Test
  void everyRouteHasAnAccessRuleMethodsAndAHandlerAndIsReachedByItsPath() {
    for (Edge.Route r : Edge.Route.values()) {
      assertNotNull(r.access, r.path);
      assertNotNull(r.methods, r.path);
      assertNotNull(r.handler, r.path);
      assertTrue(r.body == null || r.body.timeoutMillis() > 0, r.path);
      assertTrue(r.access != Access.POLICY, r.path + ": policies name commands, not routes");
      if (r != Edge.Route.OTHER) {
        assertEquals(r, Edge.Route.of(segments(r.path)), r.path);
      }
    }
  }

  @Test
  void everyEndpointOfTheProtocolIsARoute() throws IOException {
    String doc = Files.readString(Path.of("..", "docs", "PROTOCOL.md"));
    String endpoints = doc.substring(doc.indexOf("## §3 Endpoints"), doc.indexOf("## §4 "));
    Matcher m = Pattern.compile("`([A-Z/]+) (/[^`\\[{ ]*)").matcher(endpoints);
    int seen = 0;
    while (m.find()) {
      Edge.Route route = Edge.Route.of(segments(m.group(2)));
      assertNotEquals(Edge.Route.OTHER, route, m.group(0));
      for (String method : m.group(1).split("/")) {
        assertTrue(route.methods.allows(method), m.group(0) + " allows " + method);
      }
      seen++;
    }
    assertTrue(seen >= 9, "endpoints found in docs/PROTOCOL.md §3: " + seen);
  }

  @Test
  void everyRouteButTheOpenOnesRefusesAnonymousCallersAndStrangers() throws Exception {
    HttpClient stranger = server.raw(ApiKey.generate(), HttpClient.Version.HTTP_1_1, null);
    HttpClient anonymous = server.raw((ApiKey) null, HttpClient.Version.HTTP_1_1, null);
    for (Edge.Route r : Edge.Route.values()) {
      if (r.access == Access.ANYONE) {
        continue;
      }
      String path = r.access == Access.INTERNODE && r == Edge.Route.RPC ? "/v1/rpc/x" : r.path;
      String method = r.methods.names().isEmpty() ? "GET" : r.methods.names().iterator().next();
      HttpResponse<byte[]> noCertificate = send(anonymous, method, path);
      // docs/PROTOCOL.md: every endpoint but the open ones answers 401 without a certificate
      assertJsonError(401, "not authenticated: no TLS client certificate", noCertificate);
      HttpResponse<byte[]> answer = send(stranger, method, path);
      if (r.access == Access.INTERNODE) { // the test node is not clustered: no such endpoint
        assertJsonError(404, "not found: " + path, answer);
      } else { // SYSADMIN; COMMAND: no privilege anywhere, refused before its body is read
        assertJsonError(403, DENIED, answer);
      }
    }
  }

  @Test
  void everyCommandRefusesAStranger() throws Exception {
    HttpClient stranger = server.raw(ApiKey.generate(), HttpClient.Version.HTTP_1_1, null);
    // field 1 (a name, a prefix or an identity) names someone else's identity: a valid value
    // for every request, which a stranger may not act on
    byte[] other = ApiKey.generate().identity().toString().getBytes(StandardCharsets.US_ASCII);
    byte[] payload = new byte[2 + other.length];
    payload[0] = 0x0a;
    payload[1] = (byte) other.length;
    System.arraycopy(other, 0, payload, 2, other.length);
    for (Command c : CommandTable.rows().keySet()) {
      for (String path : List.of("/v1/kms", "/v1/kms/e")) {
        assertJsonError(403, DENIED, server.post(stranger, path, frames(c.id(), payload)));
      }
    }
  }

  /**
   * Only the table's wrapper checks rights: no handler calls an authorization check. (The
   * connection gate, not a handler, compares a connection's identity with the internode one to keep
   * it open while the node refuses clients: no right is granted there.)
   */
  @Test
  void noHandlerChecksRightsByItself() throws IOException {
    Pattern check =
        Pattern.compile(
            "\\.authorize\\w*\\(|requireSysAdmin\\(|requireAtLeast\\(|internodeIdentity\\(");
    List<String> offenders = new ArrayList<>();
    try (Stream<Path> files =
        Files.list(Path.of("src", "main", "java", "io", "openkms", "http", "server"))) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (List.of("CommandTable.java", "Edge.java", "Call.java", "ConnectionGate.java")
            .contains(name)) {
          continue;
        }
        String[] lines = Files.readString(f).split("\n");
        for (int i = 0; i < lines.length; i++) {
          if (check.matcher(lines[i]).find() && !lines[i].trim().startsWith("*")) {
            offenders.add(name + ":" + (i + 1) + ": " + lines[i].trim());
          }
        }
      }
    }
    assertEquals(List.of(), offenders);
  }

  /**
   * Every error body comes from the catalogue: {@link Responses#error} takes a {@link
   * KmsException}, and only {@link ApiError} (its package) can make one with a status and message.
   */
  @Test
  void everyErrorComesFromTheCatalogue() throws Exception {
    for (Method m : Responses.class.getDeclaredMethods()) {
      if (m.getName().equals("error")) {
        assertEquals(
            List.of(org.apache.pekko.http.javadsl.model.HttpRequest.class, KmsException.class),
            List.of(m.getParameterTypes()),
            m.toString());
      }
    }
    Constructor<KmsException> free =
        KmsException.class.getDeclaredConstructor(int.class, String.class);
    assertFalse(
        Modifier.isPublic(free.getModifiers()) || Modifier.isProtected(free.getModifiers()),
        free.toString());
    assertEquals(ApiError.class.getPackage(), KmsException.class.getPackage());
  }

  private static List<String> segments(String path) {
    List<String> out = new ArrayList<>(Arrays.asList(path.substring(1).split("/")));
    out.removeIf(String::isEmpty);
    return out;
  }

  private static HttpResponse<byte[]> send(HttpClient http, String method, String path)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(server.uri(path))
            .timeout(Duration.ofSeconds(20))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }
}
