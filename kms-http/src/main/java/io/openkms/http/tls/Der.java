package io.openkms.http.tls;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/**
 * A DER writer (ITU-T X.690 §8 and §10) for the few ASN.1 types of the client certificate that
 * {@link ClientCertificate} builds with the JDK alone, and the one reading a client command needs:
 * the subjectPublicKeyInfo of a certificate ({@link #subjectPublicKeyInfo}). Every writing method
 * returns one complete encoding (tag, length, contents); constructed types take the encodings of
 * their elements.
 */
final class Der {
  static final int SEQUENCE = 0x30;
  static final int SET = 0x31;

  private static final int BOOLEAN = 0x01;
  private static final int INTEGER = 0x02;
  private static final int BIT_STRING = 0x03;
  private static final int OCTET_STRING = 0x04;
  private static final int NULL = 0x05;
  private static final int OBJECT_IDENTIFIER = 0x06;
  private static final int UTF8_STRING = 0x0c;
  private static final int UTC_TIME = 0x17;
  private static final int GENERALIZED_TIME = 0x18;
  private static final int CONTEXT_CONSTRUCTED = 0xa0;

  private static final DateTimeFormatter UTC_TIME_FORMAT =
      DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'");
  private static final DateTimeFormatter GENERALIZED_TIME_FORMAT =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'");

  private Der() {}

  /** A value of type {@code tag} whose contents are the concatenated {@code contents}. */
  static byte[] tlv(int tag, byte[]... contents) {
    int length = 0;
    for (byte[] part : contents) {
      length += part.length;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
    out.write(tag);
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
      out.write(0x80 | bytes);
      for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
        out.write(length >>> shift);
      }
    }
    for (byte[] part : contents) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  /** {@code SEQUENCE} of the given encodings. */
  static byte[] sequence(byte[]... elements) {
    return tlv(SEQUENCE, elements);
  }

  /** An explicitly tagged value {@code [tagNumber] EXPLICIT} (context-specific, constructed). */
  static byte[] explicit(int tagNumber, byte[] value) {
    return tlv(CONTEXT_CONSTRUCTED | tagNumber, value);
  }

  /** {@code BOOLEAN TRUE}. */
  static byte[] booleanTrue() {
    return tlv(BOOLEAN, new byte[] {(byte) 0xff});
  }

  /** {@code NULL}. */
  static byte[] nullValue() {
    return tlv(NULL);
  }

  /** {@code INTEGER} in two's complement, minimal length. */
  static byte[] integer(BigInteger value) {
    return tlv(INTEGER, value.toByteArray());
  }

  /** {@code BIT STRING} of whole bytes, of which the last {@code unusedBits} bits are unused. */
  static byte[] bitString(byte[] bytes, int unusedBits) {
    return tlv(BIT_STRING, new byte[] {(byte) unusedBits}, bytes);
  }

  /** {@code OCTET STRING}. */
  static byte[] octetString(byte[] bytes) {
    return tlv(OCTET_STRING, bytes);
  }

  /** {@code UTF8String}. */
  static byte[] utf8String(String text) {
    return tlv(UTF8_STRING, text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * {@code OBJECT IDENTIFIER} from its dotted form, e.g. {@code 2.5.4.3}.
   *
   * @throws IllegalArgumentException for fewer than two arcs or an arc that is not a number
   */
  static byte[] oid(String dotted) {
    String[] arcs = dotted.split("\\.");
    if (arcs.length < 2) {
      throw new IllegalArgumentException("object identifier needs two arcs: " + dotted);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeBase128(out, 40 * Long.parseLong(arcs[0]) + Long.parseLong(arcs[1]));
    for (int i = 2; i < arcs.length; i++) {
      writeBase128(out, Long.parseLong(arcs[i]));
    }
    return tlv(OBJECT_IDENTIFIER, out.toByteArray());
  }

  /**
   * An X.509 {@code Time} in whole seconds: {@code UTCTime} for the years 1950 to 2049, {@code
   * GeneralizedTime} otherwise (RFC 5280 §4.1.2.5).
   */
  static byte[] time(Instant instant) {
    ZonedDateTime utc = instant.atZone(ZoneOffset.UTC);
    boolean utcTime = utc.getYear() >= 1950 && utc.getYear() < 2050;
    String text = (utcTime ? UTC_TIME_FORMAT : GENERALIZED_TIME_FORMAT).format(utc);
    return tlv(utcTime ? UTC_TIME : GENERALIZED_TIME, text.getBytes(StandardCharsets.US_ASCII));
  }

  private static void writeBase128(ByteArrayOutputStream out, long value) {
    if (value < 0) {
      throw new IllegalArgumentException("negative object identifier arc");
    }
    int groups = Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(value) + 6) / 7);
    for (int i = groups - 1; i >= 0; i--) {
      int group = (int) (value >>> (7 * i)) & 0x7f;
      out.write(i == 0 ? group : group | 0x80);
    }
  }

  /**
   * The subjectPublicKeyInfo of a DER certificate exactly as it is encoded there (RFC 5280 §4.1:
   * the seventh field of tbsCertificate when the version is present, else the sixth).
   *
   * @throws IllegalArgumentException if {@code certificate} is not a DER SEQUENCE holding a
   *     tbsCertificate SEQUENCE with that many fields
   */
  static byte[] subjectPublicKeyInfo(byte[] certificate) {
    int tbs = contentStart(certificate, 0, SEQUENCE);
    int field = contentStart(certificate, tbs, SEQUENCE);
    if ((certificate[field] & 0xff) == CONTEXT_CONSTRUCTED) { // [0] version
      field = end(certificate, field);
    }
    for (int i = 0; i < 5; i++) { // serialNumber, signature, issuer, validity, subject
      field = end(certificate, field);
    }
    if (field >= certificate.length || (certificate[field] & 0xff) != SEQUENCE) {
      throw new IllegalArgumentException("certificate without subjectPublicKeyInfo");
    }
    return Arrays.copyOfRange(certificate, field, end(certificate, field));
  }

  /** The offset of the contents of the value at {@code offset}, which must have tag {@code tag}. */
  private static int contentStart(byte[] der, int offset, int tag) {
    if (offset >= der.length || (der[offset] & 0xff) != tag) {
      throw new IllegalArgumentException(
          "malformed certificate: expected tag " + tag + " at " + offset);
    }
    return offset + 1 + lengthBytes(der, offset + 1);
  }

  /** The offset just after the value (tag, length, contents) at {@code offset}. */
  private static int end(byte[] der, int offset) {
    int lengthOffset = offset + 1;
    int contents = lengthOffset + lengthBytes(der, lengthOffset);
    int first = der[lengthOffset] & 0xff;
    long length = first;
    if (first >= 0x80) {
      length = 0;
      for (int i = lengthOffset + 1; i < contents; i++) {
        length = (length << 8) | (der[i] & 0xff);
      }
    }
    if (contents + length > der.length) {
      throw new IllegalArgumentException(
          "malformed certificate: value at " + offset + " is truncated");
    }
    return (int) (contents + length);
  }

  /** How many bytes the length at {@code offset} takes: 1, or 1 + n for the long form (n <= 4). */
  private static int lengthBytes(byte[] der, int offset) {
    if (offset >= der.length) {
      throw new IllegalArgumentException("malformed certificate: truncated at " + offset);
    }
    int first = der[offset] & 0xff;
    if (first < 0x80) {
      return 1;
    }
    int n = first & 0x7f;
    if (n == 0 || n > 4 || offset + n >= der.length) {
      throw new IllegalArgumentException("malformed certificate: bad length at " + offset);
    }
    return 1 + n;
  }
}
