package io.openkms.cli.commands;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.util.Map;

/**
 * The {@code --json} output of the client commands: one compact JSON object per line.
 *
 * <p>Server answers are printed as protojson with the {@code json_name}s of the wire protocol
 * (docs/PROTOCOL.md §5, docs/REFERENCE.md §7.4), e.g. {@code {"name":"my-key","version":1,…}}:
 * every scalar, list and map field is present, even when empty or zero, so scripts can rely on the
 * shape; map keys are sorted; bytes are standard base64, timestamps RFC 3339 in UTC, durations
 * {@code "1.5s"}, 64-bit integers strings (protojson rules).
 */
public final class Json {
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer()
          .omittingInsignificantWhitespace()
          .alwaysPrintFieldsWithNoPresence()
          .sortingMapKeys();

  private Json() {}

  /** The protojson of {@code message}, on one line, without a line end. */
  public static String of(MessageOrBuilder message) {
    try {
      return PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          "cannot print " + message.getClass().getSimpleName() + " as JSON", e);
    }
  }

  /**
   * A JSON object of string fields, in the map's iteration order (use a {@link
   * java.util.LinkedHashMap} for a fixed order), e.g. {@code {"api_key":"k1:…","identity":"h1:…"}}.
   */
  public static String object(Map<String, String> fields) {
    StringBuilder out = new StringBuilder("{");
    boolean first = true;
    for (Map.Entry<String, String> field : fields.entrySet()) {
      if (!first) {
        out.append(',');
      }
      first = false;
      string(out, field.getKey());
      out.append(':');
      string(out, field.getValue());
    }
    return out.append('}').toString();
  }

  /** Appends {@code s} as a JSON string (RFC 8259 §7: quote, backslash and controls escaped). */
  static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
