package io.openkms.http.client;

import io.openkms.http.proto.LogRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The records of {@code POST /v1/debug/log} as they arrive (docs/PROTOCOL.md §3 {@code Logs}):
 * 4-byte big-endian length, then a protobuf {@code LogRecord} of at most 4096 bytes (larger: {@code
 * kms: log record too large}, as the Go client). Not thread-safe; close it to end the stream.
 */
public final class LogStream implements AutoCloseable {

  /** Largest record accepted, as the Go client's 4 KiB buffer. */
  public static final int MAX_RECORD_BYTES = 4096;

  private final String host;
  private final InputStream in;

  LogStream(String host, InputStream in) {
    this.host = host;
    this.in = in;
  }

  /**
   * The next record; empty when the server ended the stream.
   *
   * @throws KmsProtocolException {@code kms: log record too large} or an unreadable record
   * @throws KmsTransportException when the connection fails
   */
  public Optional<LogRecord> next() {
    try {
      byte[] length = in.readNBytes(4);
      if (length.length < 4) {
        return Optional.empty();
      }
      int n = ByteBuffer.wrap(length).getInt();
      if (n < 0 || n > MAX_RECORD_BYTES) {
        throw new KmsProtocolException("kms: log record too large", host);
      }
      byte[] body = in.readNBytes(n);
      if (body.length < n) {
        return Optional.empty();
      }
      return Optional.of(LogRecord.parseFrom(body));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new KmsProtocolException("kms: invalid log record: " + e.getMessage(), host);
    } catch (IOException e) {
      throw new KmsTransportException(host, HttpTransport.describe(e), e, false);
    }
  }

  /** The host that streams. */
  public String host() {
    return host;
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException e) {
      // the stream is gone either way
    }
  }
}
