package io.openkms.http.server;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.apache.pekko.http.shaded.com.twitter.hpack.Decoder;
import org.apache.pekko.http.shaded.com.twitter.hpack.Encoder;

/**
 * A raw HTTP/2 connection over TLS with ALPN {@code h2} (RFC 9113), for requests that the JDK
 * client will not send: a {@code :path} with a bad percent escape, header blocks split into
 * CONTINUATION frames of any size. Header blocks are coded with the HPACK coder that Pekko HTTP
 * ships (shaded Twitter hpack). One reader: the test thread, which reads frames until the answer of
 * the stream it waits for is complete (or the connection ends).
 */
final class H2Wire implements AutoCloseable {

  static final int DATA = 0x0;
  static final int HEADERS = 0x1;
  static final int RST_STREAM = 0x3;
  static final int SETTINGS = 0x4;
  static final int PING = 0x6;
  static final int GOAWAY = 0x7;
  static final int WINDOW_UPDATE = 0x8;
  static final int CONTINUATION = 0x9;

  private static final int END_STREAM = 0x1;
  private static final int END_HEADERS = 0x4;
  private static final int MAX_FRAME_BYTES = 16_384;

  /** One stream's answer: its headers, its body, and how it ended. */
  static final class Answer {
    final Map<String, String> headers = new LinkedHashMap<>();
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    boolean ended;

    /** The RST_STREAM error code, or -1. */
    int resetCode = -1;

    int status() {
      return Integer.parseInt(headers.getOrDefault(":status", "-1"));
    }

    String bodyText() {
      return body.toString(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      String text = bodyText();
      return headers
          + " "
          + (text.length() > 200 ? text.substring(0, 200) + "…" : text)
          + (resetCode >= 0 ? " RST " + resetCode : "")
          + (ended ? " ended" : " open");
    }
  }

  private final SSLSocket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private final Encoder encoder = new Encoder(4096);
  private final Decoder decoder = new Decoder(1 << 20, 4096);
  private final Map<Integer, Answer> answers = new LinkedHashMap<>();
  private int nextStreamId = 1;
  private long connectionWindow = 65_535;
  private long initialStreamWindow = 65_535;
  private final Map<Integer, Long> streamWindows = new java.util.HashMap<>();

  /** The settings the server sent (identifier to value), the last value of each. */
  final Map<Integer, Long> serverSettings = new LinkedHashMap<>();

  /** The GOAWAY error code once the server sent one, else -1. */
  int goAwayCode = -1;

  /** True once the server closed the connection. */
  boolean closed;

  /** Connects, sends the preface and an empty SETTINGS, and checks that ALPN chose h2. */
  H2Wire(SSLContext context, int port) throws IOException {
    socket =
        (SSLSocket)
            context.getSocketFactory().createSocket(InetAddress.getByName("127.0.0.1"), port);
    SSLParameters p = socket.getSSLParameters();
    p.setApplicationProtocols(new String[] {"h2"});
    socket.setSSLParameters(p);
    socket.setSoTimeout(20_000);
    socket.startHandshake();
    if (!"h2".equals(socket.getApplicationProtocol())) {
      throw new IOException("ALPN chose " + socket.getApplicationProtocol());
    }
    out = socket.getOutputStream();
    in = new DataInputStream(socket.getInputStream());
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    frame(SETTINGS, 0, 0, new byte[0]);
    // a large connection window, so that answers are never held back by flow control
    frame(WINDOW_UPDATE, 0, 0, int32(1 << 30));
    out.flush();
  }

  /**
   * Opens a stream with {@code headers} (name, value, … in order; pseudo-headers first), split into
   * HEADERS and CONTINUATION frames of at most 16 KiB.
   *
   * @param endStream true if no body follows
   * @return the stream id
   */
  int request(List<String> headers, boolean endStream) throws IOException {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    for (int i = 0; i < headers.size(); i += 2) {
      encoder.encodeHeader(block, headers.get(i), headers.get(i + 1), false);
    }
    byte[] bytes = block.toByteArray();
    int id = nextStreamId;
    nextStreamId += 2;
    answers.put(id, new Answer());
    int pos = 0;
    boolean first = true;
    do {
      int n = Math.min(MAX_FRAME_BYTES, bytes.length - pos);
      boolean last = pos + n == bytes.length;
      int flags = (last ? END_HEADERS : 0) | (first && endStream ? END_STREAM : 0);
      byte[] chunk = java.util.Arrays.copyOfRange(bytes, pos, pos + n);
      frame(first ? HEADERS : CONTINUATION, flags, id, chunk);
      pos += n;
      first = false;
    } while (pos < bytes.length);
    out.flush();
    return id;
  }

  /** A GET of {@code path} without a body. */
  int get(String path, String... extraHeaders) throws IOException {
    List<String> h = new java.util.ArrayList<>(base("GET", path));
    h.addAll(List.of(extraHeaders));
    return request(h, true);
  }

  /** The pseudo-headers of a request to this server. */
  List<String> base(String method, String path) {
    return List.of(
        ":method",
        method,
        ":scheme",
        "https",
        ":authority",
        "127.0.0.1:" + socket.getPort(),
        ":path",
        path);
  }

  /**
   * Sends {@code body} on {@code stream} in DATA frames within the server's flow-control windows
   * (reading frames while a window is closed), the last one ending the stream.
   *
   * @return the bytes sent: fewer than the body when the stream ended or was reset first, the
   *     connection ended, or no window opened for {@code timeoutMillis}
   */
  long data(int stream, byte[] body, boolean endStream, int timeoutMillis) throws IOException {
    Answer a = answers.get(stream);
    socket.setSoTimeout(timeoutMillis);
    int pos = 0;
    try {
      do {
        while (Math.min(connectionWindow, streamWindow(stream)) <= 0 && body.length > pos) {
          if (a.resetCode >= 0 || closed || goAwayCode >= 0) {
            return pos;
          }
          readFrame();
        }
        int n =
            (int)
                Math.min(
                    Math.min(MAX_FRAME_BYTES, body.length - pos),
                    Math.min(connectionWindow, streamWindow(stream)));
        boolean last = pos + n == body.length;
        frame(
            DATA,
            last && endStream ? END_STREAM : 0,
            stream,
            java.util.Arrays.copyOfRange(body, pos, pos + n));
        connectionWindow -= n;
        streamWindows.merge(stream, (long) -n, Long::sum);
        pos += n;
        while (in.available() > 0) {
          readFrame();
        }
      } while (pos < body.length);
    } catch (SocketTimeoutException e) {
      // no window opened in time
    } catch (java.net.SocketException e) {
      closed = true;
    }
    out.flush();
    return pos;
  }

  private long streamWindow(int stream) {
    return initialStreamWindow + streamWindows.getOrDefault(stream, 0L);
  }

  /**
   * Reads frames until stream {@code id} has ended (END_STREAM or RST_STREAM), the connection is
   * closed or went away, or nothing arrived for {@code timeoutMillis}.
   */
  Answer await(int id, int timeoutMillis) throws IOException {
    Answer a = answers.get(id);
    socket.setSoTimeout(timeoutMillis);
    try {
      while (!a.ended && !closed && goAwayCode < 0) {
        readFrame();
      }
    } catch (SocketTimeoutException e) {
      // the stream did not end in time: a.ended stays false
    }
    return a;
  }

  /**
   * Writes one frame as it is (no flow control, no HPACK), flushed; a connection the server closed
   * sets {@link #closed} instead of throwing.
   */
  void raw(int type, int flags, int stream, byte[] payload) {
    try {
      frame(type, flags, stream, payload);
      out.flush();
    } catch (IOException e) {
      closed = true;
    }
  }

  /** The answer of stream {@code id} so far (null for a stream this wire did not open). */
  Answer answer(int id) {
    return answers.get(id);
  }

  /**
   * Reads frames until {@code done} is true, the connection is closed or went away, or {@code
   * timeoutMillis} passed.
   *
   * @return {@code done}'s value at the end
   */
  boolean readUntil(java.util.function.BooleanSupplier done, int timeoutMillis) throws IOException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    try {
      while (!done.getAsBoolean() && !closed && goAwayCode < 0) {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
          break;
        }
        socket.setSoTimeout((int) Math.max(1, left));
        readFrame();
      }
    } catch (SocketTimeoutException e) {
      // nothing more in time
    }
    return done.getAsBoolean();
  }

  /**
   * Reads frames until the server sent GOAWAY or closed the connection, or nothing arrived for
   * {@code timeoutMillis}.
   */
  void awaitEnd(int timeoutMillis) throws IOException {
    socket.setSoTimeout(timeoutMillis);
    try {
      while (!closed && goAwayCode < 0) {
        readFrame();
      }
    } catch (SocketTimeoutException e) {
      // still open
    } catch (java.net.SocketException e) {
      closed = true;
    }
  }

  private void readFrame() throws IOException {
    int b0 = in.read();
    if (b0 < 0) {
      closed = true;
      return;
    }
    int length = (b0 << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
    int type = in.readUnsignedByte();
    int flags = in.readUnsignedByte();
    int stream = in.readInt() & 0x7fffffff;
    byte[] payload = new byte[length];
    in.readFully(payload);
    Answer a = answers.get(stream);
    switch (type) {
      case HEADERS, CONTINUATION -> {
        decoder.decode(
            new ByteArrayInputStream(payload),
            (name, value, parsed, sensitive) -> {
              if (a != null) {
                a.headers.put(name, value);
              }
              return null;
            });
        decoder.endHeaderBlock();
        if (a != null && (flags & END_STREAM) != 0) {
          a.ended = true;
        }
      }
      case DATA -> {
        if (a != null) {
          a.body.write(payload);
          if ((flags & END_STREAM) != 0) {
            a.ended = true;
          }
        }
        if (length > 0) {
          frame(WINDOW_UPDATE, 0, stream, int32(length));
          out.flush();
        }
      }
      case RST_STREAM -> {
        if (a != null) {
          a.resetCode = java.nio.ByteBuffer.wrap(payload).getInt();
          a.ended = true;
        }
      }
      case SETTINGS -> {
        for (int i = 0; i + 6 <= payload.length; i += 6) {
          java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(payload, i, 6);
          int id = b.getShort() & 0xffff;
          long value = b.getInt() & 0xffffffffL;
          serverSettings.put(id, value);
          if (id == 0x4) { // SETTINGS_INITIAL_WINDOW_SIZE
            initialStreamWindow = value;
          }
        }
        if ((flags & 0x1) == 0) {
          frame(SETTINGS, 0x1, 0, new byte[0]);
          out.flush();
        }
      }
      case PING -> {
        if ((flags & 0x1) == 0) {
          frame(PING, 0x1, 0, payload);
          out.flush();
        }
      }
      case GOAWAY -> goAwayCode = java.nio.ByteBuffer.wrap(payload, 4, 4).getInt();
      case WINDOW_UPDATE -> {
        long increment = java.nio.ByteBuffer.wrap(payload).getInt() & 0x7fffffffL;
        if (stream == 0) {
          connectionWindow += increment;
        } else {
          streamWindows.merge(stream, increment, Long::sum);
        }
      }
      default -> {} // PRIORITY, PUSH_PROMISE: nothing to do
    }
  }

  /** Writes one frame in one write (one TLS record up to 16 KiB), as real clients buffer it. */
  private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    int n = payload.length;
    byte[] frame = new byte[9 + n];
    frame[0] = (byte) (n >>> 16);
    frame[1] = (byte) (n >>> 8);
    frame[2] = (byte) n;
    frame[3] = (byte) type;
    frame[4] = (byte) flags;
    System.arraycopy(int32(stream), 0, frame, 5, 4);
    System.arraycopy(payload, 0, frame, 9, n);
    out.write(frame);
  }

  private static byte[] int32(int v) {
    return java.nio.ByteBuffer.allocate(4).putInt(v).array();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
