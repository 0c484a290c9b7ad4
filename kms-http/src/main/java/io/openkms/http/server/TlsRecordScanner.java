package io.openkms.http.server;

import java.nio.ByteBuffer;

/**
 * Follows the TLS record layer of the bytes a client sends (RFC 8446 §5.1, RFC 5246 §6.2: each
 * record is a 5-byte header — content type, version, 16-bit length — and that many bytes) and
 * reports the first {@code application_data} record (type 23). In TLS 1.3 the client's first such
 * record carries its encrypted Finished (or Certificate), in TLS 1.2 its first request: a client
 * that got there has done its part of the handshake. Pure; not thread-safe.
 */
final class TlsRecordScanner {

  /** The TLS {@code application_data} content type. */
  static final int APPLICATION_DATA = 23;

  private final byte[] header = new byte[5];
  private int headerBytes;
  private int skip;
  private boolean applicationData;

  /**
   * Feeds the next bytes from the client.
   *
   * @return true once an {@code application_data} record header has been seen (stays true)
   */
  boolean feed(ByteBuffer bytes) {
    while (!applicationData && bytes.hasRemaining()) {
      if (skip > 0) {
        int n = Math.min(skip, bytes.remaining());
        bytes.position(bytes.position() + n);
        skip -= n;
        continue;
      }
      header[headerBytes++] = bytes.get();
      if (headerBytes == header.length) {
        headerBytes = 0;
        if ((header[0] & 0xff) == APPLICATION_DATA) {
          applicationData = true;
        }
        skip = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
      }
    }
    return applicationData;
  }

  /** True once an {@code application_data} record header has been seen. */
  boolean applicationData() {
    return applicationData;
  }
}
