package io.openkms.http.observe;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * One line of the audit log: one API request, as one JSON object on one line (no line breaks
 * inside; keys always in this order; absent strings are {@code ""}):
 *
 * <pre>
 * {"time":"2026-12-06T17:30:00.123456Z","node":"kms-1.example.net:7373",
 *  "request_id":"5f2c9a1e00000007","identity":"h1:…","enclave":"aistor-primary",
 *  "command":"KEY:GENERATE","name":"sse-key","status":200,"latency_us":412}
 * </pre>
 *
 * Optional keys follow when they apply: {@code "policy"} (the policy of {@code POLICY:ASSIGN}),
 * {@code "frames"} (requests with more than one frame; {@code name} is then the first frame's),
 * {@code "error"} (the error message sent, status ≥ 400).
 *
 * @param time when the request arrived (UTC, microseconds)
 * @param node this node's {@code host:port}
 * @param requestId unique per request on this node (16 hex digits)
 * @param identity the caller's identity {@code h1:…}, {@code ""} without a client certificate
 * @param enclave the enclave of the URL, {@code ""} for {@code /v1/kms}
 * @param command the command text ({@code KEY:GENERATE}), or the method and path of another
 *     endpoint ({@code GET /v1/db})
 * @param name the key, policy, identity, enclave or node the command names (field 1 of its request
 *     message: for lists the prefix), {@code ""} if none
 * @param policy the policy of {@code POLICY:ASSIGN}, else {@code ""}
 * @param frames the number of command frames (1 for a single command)
 * @param status the HTTP status sent
 * @param latencyMicros time from the request head to the response, µs
 * @param error the error message sent (status ≥ 400), else {@code ""}
 */
public record AuditRecord(
    Instant time,
    String node,
    String requestId,
    String identity,
    String enclave,
    String command,
    String name,
    String policy,
    int frames,
    int status,
    long latencyMicros,
    String error) {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  /** The JSON line, without the line break. */
  public String toJson() {
    StringBuilder b = new StringBuilder(256);
    b.append("{\"time\":\"").append(TIME.format(time.truncatedTo(ChronoUnit.MICROS))).append('"');
    field(b, "node", node);
    field(b, "request_id", requestId);
    field(b, "identity", identity);
    field(b, "enclave", enclave);
    field(b, "command", command);
    field(b, "name", name);
    b.append(",\"status\":").append(status);
    b.append(",\"latency_us\":").append(latencyMicros);
    if (policy != null && !policy.isEmpty()) {
      field(b, "policy", policy);
    }
    if (frames > 1) {
      b.append(",\"frames\":").append(frames);
    }
    if (error != null && !error.isEmpty()) {
      field(b, "error", error);
    }
    return b.append('}').toString();
  }

  private static void field(StringBuilder b, String key, String value) {
    b.append(",\"").append(key).append("\":\"");
    escape(b, value == null ? "" : value);
    b.append('"');
  }

  /** Appends {@code s} as the inside of a JSON string (RFC 8259 §7). */
  static void escape(StringBuilder b, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
  }
}
