package io.openkms.http.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The audit line's exact shape: keys, order, units, optional keys and escaping. */
class AuditRecordTest {

  @Test
  void exactLineOfAGenerateKeyRequest() {
    AuditRecord r =
        new AuditRecord(
            Instant.parse("2026-12-06T17:30:00.123456789Z"),
            "kms-1.example.net:7373",
            "5f2c9a1e00000007",
            "h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0",
            "aistor-primary",
            "KEY:GENERATE",
            "sse-key",
            "",
            1,
            200,
            412,
            "");
    assertEquals(
        "{\"time\":\"2026-12-06T17:30:00.123456Z\",\"node\":\"kms-1.example.net:7373\","
            + "\"request_id\":\"5f2c9a1e00000007\","
            + "\"identity\":\"h1:FALvKoL5sB2mfvXrbheZ8tgKjIJZ60gN-VH9TcfK7Q0\","
            + "\"enclave\":\"aistor-primary\",\"command\":\"KEY:GENERATE\",\"name\":\"sse-key\","
            + "\"status\":200,\"latency_us\":412}",
        r.toJson());
  }

  @Test
  void optionalKeysAndEscapingGiveValidJsonOnOneLine() throws Exception {
    AuditRecord r =
        new AuditRecord(
            Instant.parse("2026-01-02T03:04:05Z"),
            "n:7373",
            "id",
            "",
            "",
            "POLICY:ASSIGN",
            "h1:x",
            "p\"1",
            3,
            403,
            7,
            "access denied:\n\"insufficient\" \\ permissions\u0001");
    String line = r.toJson();
    assertEquals(-1, line.indexOf('\n'));
    JsonNode json = new ObjectMapper().readTree(line);
    assertEquals("2026-01-02T03:04:05.000000Z", json.get("time").asText());
    assertEquals("p\"1", json.get("policy").asText());
    assertEquals(3, json.get("frames").asInt());
    assertEquals(
        "access denied:\n\"insufficient\" \\ permissions\u0001", json.get("error").asText());
    assertEquals(403, json.get("status").asInt());
    assertEquals("", json.get("identity").asText());
  }
}
