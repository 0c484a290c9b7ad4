package io.openkms.http.ops;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A minimal ustar writer (POSIX.1-1988): regular files only, names up to 100 bytes. Enough for the
 * profile archive of {@code DELETE /v1/debug/pprof} (docs/PROTOCOL.md §3: "a TAR archive").
 */
public final class Tar {

  private Tar() {}

  /** A file of the archive. */
  public record Entry(String name, byte[] content, long modifiedSeconds) {}

  /** The archive of {@code entries}, ending with the two zero blocks. */
  public static byte[] write(List<Entry> entries) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Entry e : entries) {
      byte[] header = new byte[512];
      put(header, 0, 100, e.name());
      put(header, 100, 8, octal(0644, 7));
      put(header, 108, 8, octal(0, 7));
      put(header, 116, 8, octal(0, 7));
      put(header, 124, 12, octal(e.content().length, 11));
      put(header, 136, 12, octal(e.modifiedSeconds(), 11));
      java.util.Arrays.fill(header, 148, 156, (byte) ' ');
      header[156] = '0';
      put(header, 257, 6, "ustar");
      put(header, 263, 2, "00");
      long sum = 0;
      for (byte b : header) {
        sum += b & 0xff;
      }
      put(header, 148, 8, octal(sum, 6) + "\0 ");
      out.writeBytes(header);
      out.writeBytes(e.content());
      int pad = (512 - e.content().length % 512) % 512;
      out.writeBytes(new byte[pad]);
    }
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  private static String octal(long value, int digits) {
    String s = Long.toOctalString(value);
    if (s.length() > digits) {
      throw new IllegalArgumentException("value too large for a tar header: " + value);
    }
    return "0".repeat(digits - s.length()) + s;
  }

  private static void put(byte[] header, int offset, int length, String text) {
    byte[] b = text.getBytes(StandardCharsets.US_ASCII);
    if (b.length > length) {
      throw new IllegalArgumentException("tar field too long: " + text);
    }
    System.arraycopy(b, 0, header, offset, b.length);
  }
}
