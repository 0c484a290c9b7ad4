package io.openkms.persistence;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The content of {@code DIR/kms.db}: format version, HSM name and the root encryption key sealed by
 * that HSM. A small UTF-8 text file, one {@code key: value} per line, comments ({@code #}) allowed:
 *
 * <pre>
 * # minkms node volume: the root encryption key, sealed by the HSM. ...
 * format: 1
 * hsm: hsm:minio:soft
 * sealed-rek: &lt;standard base64 of the HSM's sealed value&gt;
 * </pre>
 *
 * @param format format version, {@value #FORMAT}
 * @param hsmName {@link Hsm#name()} of the HSM that sealed the key
 * @param sealedRek the HSM's sealed value (opaque bytes)
 */
record VolumeFile(int format, String hsmName, byte[] sealedRek) {
  /** The only format version this code reads and writes. */
  static final int FORMAT = 1;

  /** Larger files are not ours. */
  static final int MAX_BYTES = 64 * 1024;

  private static final String HEADER =
      "# minkms node volume: the root encryption key (REK), sealed by the HSM.\n"
          + "# Without it, nothing in this node's journal can be read. Deleting this file resets\n"
          + "# the node: its journal is deleted on the next start.\n";

  VolumeFile {
    Objects.requireNonNull(hsmName, "hsmName");
    sealedRek = sealedRek.clone();
  }

  @Override
  public byte[] sealedRek() {
    return sealedRek.clone();
  }

  /** The file's bytes (UTF-8 text, trailing newline). */
  byte[] encode() {
    String text =
        HEADER
            + "format: "
            + format
            + "\nhsm: "
            + hsmName
            + "\nsealed-rek: "
            + Base64.getEncoder().encodeToString(sealedRek)
            + "\n";
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Parses a file made by {@link #encode}.
   *
   * @throws IllegalArgumentException with the reason as message (e.g. {@code missing "sealed-rek"},
   *     {@code unsupported format version 2})
   */
  static VolumeFile decode(byte[] bytes) {
    if (bytes.length > MAX_BYTES) {
      throw new IllegalArgumentException("larger than " + MAX_BYTES + " bytes");
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("not UTF-8 text");
    }
    Map<String, String> fields = new LinkedHashMap<>();
    int lineNumber = 0;
    for (String line : text.split("\n", -1)) {
      lineNumber++;
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(": ");
      if (colon <= 0) {
        throw new IllegalArgumentException("line " + lineNumber + " is not \"key: value\"");
      }
      String key = line.substring(0, colon);
      if (!key.equals("format") && !key.equals("hsm") && !key.equals("sealed-rek")) {
        throw new IllegalArgumentException("unknown field \"" + key + "\"");
      }
      if (fields.put(key, line.substring(colon + 2)) != null) {
        throw new IllegalArgumentException("field \"" + key + "\" appears twice");
      }
    }
    String format = required(fields, "format");
    if (!format.equals(Integer.toString(FORMAT))) {
      throw new IllegalArgumentException("unsupported format version " + format);
    }
    String hsm = required(fields, "hsm");
    String sealedText = required(fields, "sealed-rek");
    byte[] sealed;
    try {
      sealed = Base64.getDecoder().decode(sealedText);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("\"sealed-rek\" is not base64");
    }
    return new VolumeFile(FORMAT, hsm, sealed);
  }

  private static String required(Map<String, String> fields, String key) {
    String value = fields.get(key);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("missing \"" + key + "\"");
    }
    return value;
  }
}
