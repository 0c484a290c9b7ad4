package io.openkms.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.openkms.http.client.KmsClient;
import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.GenerateKeyRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Responses that clients never read (attack trial B, critical: a User allowed only {@code
 * KEY:GENERATE} crashed the node with OutOfMemoryError): HTTP/2 connections that set {@code
 * SETTINGS_INITIAL_WINDOW_SIZE} to 0, so that the server can send no response body, open streams of
 * heavy GenerateKey requests (100 frames of 1,024-byte keys: 1.3 KB in, about 210 KB out). Before,
 * every answer stayed in the heap (the trial: 250 streams of 1,000 frames, ~525 MB). Now the bytes
 * held are bounded ({@code minkms.http.max-response-bytes-in-flight} lowered to 1 MiB, {@code
 * minkms.http.max-response-bytes-per-connection} to 512 KiB): the answers past a bound are 503
 * naming its key, a reading client is still served, and closing the connections gives every byte
 * back.
 */
class KmsApiResponseBudgetTest {

  private static final long TOTAL = 1 << 20;
  private static final long PER_CONNECTION = 512 << 10;
  private static final int FRAMES = 100;
  private static final int WAIT_MILLIS = 15_000;

  private static TestKmsServer server;
  private static KmsClient root;

  @BeforeAll
  static void start() throws Exception {
    server =
        TestKmsServer.start(
            ConfigFactory.parseString(
                "minkms.http.max-response-bytes-in-flight = "
                    + TOTAL
                    + "\nminkms.http.max-response-bytes-per-connection = "
                    + PER_CONNECTION));
    root = server.root();
    root.createEnclave(CreateEnclaveRequest.newBuilder().setName("e").build());
    root.createKey("e", CreateKeyRequest.newBuilder().setName("k1").build());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static byte[] heavyBody() {
    byte[] one =
        GenerateKeyRequest.newBuilder().setName("k1").setLength(1024).build().toByteArray();
    return ApiAssertions.frames(207, Collections.nCopies(FRAMES, one).toArray(new byte[0][]));
  }

  /** A raw HTTP/2 connection whose client grants the server no window on any stream. */
  private static H2Wire nonReader() throws Exception {
    H2Wire w = new H2Wire(server.clientContext(server.rootKey()), server.port());
    // SETTINGS_INITIAL_WINDOW_SIZE (0x4) = 0: no DATA on a stream until its WINDOW_UPDATE
    w.raw(H2Wire.SETTINGS, 0, 0, new byte[] {0, 4, 0, 0, 0, 0});
    return w;
  }

  /** Opens a stream with the heavy request; returns its id. */
  private static int heavy(H2Wire w, byte[] body) throws Exception {
    List<String> h = new ArrayList<>(w.base("POST", "/v1/kms/e"));
    h.addAll(
        List.of(
            "content-type",
            "application/octet-stream",
            "content-length",
            Integer.toString(body.length)));
    int id = w.request(h, false);
    assertEquals(body.length, w.data(id, body, true, WAIT_MILLIS));
    return id;
  }

  @Test
  void unreadAnswersAreBoundedAndRefusedWith503NamingTheKey() throws Exception {
    ResponseBudget budget = BudgetedResponses.of(server.system().classicSystem()).orElseThrow();
    assertEquals(TOTAL, budget.maxTotal());
    assertEquals(PER_CONNECTION, budget.maxPerConnection());
    byte[] body = heavyBody();
    int streams = 4;
    List<H2Wire> attackers = new ArrayList<>();
    List<String> refusals = new ArrayList<>();
    int served = 0;
    try {
      for (int c = 0; c < 3; c++) {
        H2Wire w = nonReader();
        attackers.add(w);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
          ids.add(heavy(w, body));
        }
        // every stream gets its status (HEADERS need no window); no body can come
        assertTrue(
            w.readUntil(() -> ids.stream().allMatch(id -> w.answer(id).status() > 0), WAIT_MILLIS),
            "statuses: " + ids.stream().map(id -> w.answer(id).toString()).toList());
        int servedHere = 0;
        for (int id : ids) {
          H2Wire.Answer a = w.answer(id);
          if (a.status() == 200) {
            servedHere++;
            assertEquals(0, a.body.size(), "no window, no body");
          } else {
            assertEquals(503, a.status(), a.toString());
            w.raw(H2Wire.WINDOW_UPDATE, 0, id, new byte[] {0, 1, 0, 0}); // read the error
            assertTrue(w.await(id, WAIT_MILLIS).ended, a.toString());
            refusals.add(a.bodyText());
          }
        }
        served += servedHere;
        assertTrue(servedHere >= 1 || c == 2, "connection " + c + ": none served");
        assertTrue(
            budget.heldBytes() <= TOTAL, budget.heldBytes() + " bytes held after connection " + c);
      }
      long size = served == 0 ? 0 : budget.heldBytes() / served;
      assertTrue(size > 200_000 && size < 230_000, size + " bytes per answer");
      assertTrue(served >= 4 && served <= TOTAL / size, served + " answers held");
      assertTrue(budget.peakHeldBytes() <= TOTAL, budget.peakHeldBytes() + " bytes at the peak");
      assertEquals(3 * streams - served, refusals.size());
      assertTrue(
          refusals.contains(
              "{\"message\":\"server busy: responses not yet read by clients exceed"
                  + " minkms.http.max-response-bytes-per-connection ("
                  + PER_CONNECTION
                  + " bytes); try again\"}"),
          refusals.toString());
      assertTrue(
          refusals.contains(
              "{\"message\":\"server busy: responses not yet read by clients exceed"
                  + " minkms.http.max-response-bytes-in-flight ("
                  + TOTAL
                  + " bytes); try again\"}"),
          refusals.toString());

      // a client that reads is still served (a small answer: not counted)
      assertEquals(
          32,
          root.generateKey("e", GenerateKeyRequest.newBuilder().setName("k1").build())
              .getPlaintext()
              .size());
      // the held answers are sent once their window opens; the reservation goes with the last byte
      H2Wire first = attackers.get(0);
      int firstServed = 0;
      for (int id = 1; id < 2 * streams; id += 2) {
        if (first.answer(id).status() == 200) {
          first.raw(H2Wire.WINDOW_UPDATE, 0, id, new byte[] {0, 0x10, 0, 0}); // 1 MiB
          H2Wire.Answer a = first.await(id, WAIT_MILLIS);
          assertTrue(a.ended, a.toString());
          assertEquals(size, a.body.size());
          firstServed++;
        }
      }
      long afterFirst = served - firstServed;
      assertTrue(
          awaitHeld(budget, afterFirst * size),
          budget.heldBytes() + " bytes held, not " + afterFirst * size);
    } finally {
      for (H2Wire w : attackers) {
        w.close();
      }
    }
    // closing the connections gives every byte back
    assertTrue(awaitHeld(budget, 0), budget.heldBytes() + " bytes still held");
    assertEquals(0, budget.connections());
  }

  @Test
  void aLargeAnswerKeepsItsWireFormatAndIsReleasedOnceRead() throws Exception {
    ResponseBudget budget = BudgetedResponses.of(server.system().classicSystem()).orElseThrow();
    byte[] body = heavyBody();
    for (java.net.http.HttpClient.Version v :
        List.of(
            java.net.http.HttpClient.Version.HTTP_1_1, java.net.http.HttpClient.Version.HTTP_2)) {
      java.net.http.HttpResponse<byte[]> r =
          server
              .raw(server.rootKey(), v, null)
              .send(
                  java.net.http.HttpRequest.newBuilder(server.uri("/v1/kms/e"))
                      .header("Content-Type", "application/octet-stream")
                      .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, r.statusCode(), v + " " + new String(r.body()));
      assertEquals(v, r.version());
      assertTrue(r.body().length > BudgetedResponses.STREAM_THRESHOLD_BYTES, v.toString());
      assertEquals(
          "application/octet-stream",
          r.headers().firstValue("content-type").orElse(""),
          v.toString());
      ApiAssertions.assertContentLength(r);
      List<io.openkms.http.wire.Frame> frames = io.openkms.http.wire.Frames.decode(r.body());
      assertEquals(FRAMES, frames.size());
      for (io.openkms.http.wire.Frame f : frames) {
        assertEquals(
            1024,
            io.openkms.http.proto.GenerateKeyResponse.parseFrom(f.payload()).getPlaintext().size());
      }
      assertTrue(awaitHeld(budget, 0), v + ": " + budget.heldBytes() + " bytes still held");
    }
  }

  @Test
  void aClientAnnouncingHugeFramesCannotGetAnswersPulledUncounted() throws Exception {
    ResponseBudget budget = BudgetedResponses.of(server.system().classicSystem()).orElseThrow();
    assertTrue(awaitHeld(budget, 0), budget.heldBytes() + " bytes held before");
    try (H2Wire w = new H2Wire(server.clientContext(server.rootKey()), server.port())) {
      // INITIAL_WINDOW_SIZE 0 and MAX_FRAME_SIZE 16 MiB - 1: Pekko buffers two client frames of a
      // response before it stops pulling; unclamped, the whole answer was pulled, its stream ended
      // and its bytes released while none was sent (0 held)
      w.raw(
          H2Wire.SETTINGS,
          0,
          0,
          new byte[] {0, 4, 0, 0, 0, 0, 0, 5, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff});
      int id = heavy(w, heavyBody());
      assertTrue(
          w.readUntil(() -> w.answer(id).status() > 0, WAIT_MILLIS), w.answer(id).toString());
      assertEquals(200, w.answer(id).status(), w.answer(id).toString());
      Thread.sleep(1_000); // a release, if any, comes at once
      long held = budget.heldBytes();
      assertTrue(held > 200_000 && held < 230_000, held + " bytes held for the unread answer");
      w.raw(H2Wire.WINDOW_UPDATE, 0, id, new byte[] {0, 0x10, 0, 0}); // 1 MiB: read it
      H2Wire.Answer a = w.await(id, WAIT_MILLIS);
      assertTrue(a.ended, a.toString());
      assertEquals(held, a.body.size());
      assertTrue(awaitHeld(budget, 0), budget.heldBytes() + " bytes held once read");
    }
  }

  @Test
  void theServerAnnounces128StreamsAndRefusesThe129th() throws Exception {
    try (H2Wire w = new H2Wire(server.clientContext(server.rootKey()), server.port())) {
      // 128 requests whose bodies never come: their streams stay open
      List<Integer> ids = new ArrayList<>();
      for (int i = 0; i < 128; i++) {
        List<String> h = new ArrayList<>(w.base("POST", "/v1/kms/e"));
        h.addAll(List.of("content-type", "application/octet-stream", "content-length", "10"));
        ids.add(w.request(h, false));
      }
      assertTrue(w.readUntil(() -> w.serverSettings.containsKey(0x3), WAIT_MILLIS));
      assertEquals(128L, w.serverSettings.get(0x3), "SETTINGS_MAX_CONCURRENT_STREAMS");
      int extra = w.get("/version");
      assertTrue(w.readUntil(() -> w.answer(extra).ended, WAIT_MILLIS), w.answer(extra).toString());
      assertEquals(0x7, w.answer(extra).resetCode, "REFUSED_STREAM: " + w.answer(extra));
      for (int id : ids) {
        assertEquals(-1, w.answer(id).resetCode, id + ": " + w.answer(id));
      }
      assertEquals(-1, w.goAwayCode);
    }
  }

  private static boolean awaitHeld(ResponseBudget budget, long bytes) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000L;
    while (budget.heldBytes() != bytes && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    return budget.heldBytes() == bytes;
  }
}
