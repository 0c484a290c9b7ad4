package io.openkms.http.client;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * How {@link KmsClient} reads an answer, for a transport of its own (the load generator's HTTP/1.1
 * connection, benchmarks/load-generator): the same body limit, error messages, frame checks and
 * failure descriptions, so that both report a server's answer alike.
 */
public final class Answers {

  /** Largest successful response body a client reads: 64 MiB. */
  public static final int MAX_RESPONSE_BYTES = HttpTransport.MAX_RESPONSE_BYTES;

  private Answers() {}

  /**
   * The error of a non-200 answer: its message read as the Go client's {@code readError}
   * (docs/PROTOCOL.md §6.1) from at most the first 5000 bytes of the body.
   *
   * @param status the HTTP status
   * @param contentType the Content-Type header, or null
   * @param body the body (any length)
   * @param host the {@code host:port} that answered
   */
  public static KmsClientException error(int status, String contentType, byte[] body, String host) {
    byte[] head =
        body.length > ErrorBodies.MAX_ERROR_BYTES
            ? Arrays.copyOf(body, ErrorBodies.MAX_ERROR_BYTES)
            : body;
    return new KmsClientException(status, ErrorBodies.message(contentType, head), host);
  }

  /**
   * The payloads of a 200 answer to a {@code /v1/kms} command (docs/PROTOCOL.md §4.1): every frame
   * must carry {@code commandId} and there must be exactly {@code expected}; an empty body is zero
   * frames.
   *
   * @throws KmsProtocolException for malformed frames, a frame of another command or another number
   *     of frames
   */
  public static List<byte[]> payloads(String host, int commandId, byte[] body, int expected) {
    return ResponseFrames.payloads(host, commandId, body, expected);
  }

  /** A one-line reason for an I/O failure, e.g. {@code connection failed: ConnectException}. */
  public static String describe(IOException e) {
    return HttpTransport.describe(e);
  }
}
