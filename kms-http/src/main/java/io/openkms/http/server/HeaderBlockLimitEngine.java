package io.openkms.http.server;

import io.openkms.http.tls.Identities;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BiFunction;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server {@link SSLEngine} that bounds the HTTP/2 header blocks its client sends (issue 13, "a
 * node never OOMs from client input"). Pekko HTTP (1.3, 1.4) keeps a header block — a HEADERS frame
 * and its CONTINUATION frames, RFC 9113 §6.2 and §6.10 — in memory until its last frame, without a
 * bound; the CONTINUATION throttle alone let one connection grow a block by 1.6 MiB a second. This
 * engine passes the plaintext each {@code unwrap} produces through an {@link
 * Http2HeaderBlockScanner} and, once a block would exceed {@code minkms.http.max-header-block}
 * bytes, delivers nothing more: that {@code unwrap} and every later one report the inbound side
 * {@code CLOSED}, on which Pekko's TLS stage completes and closes the TCP connection. The plaintext
 * of the refused {@code unwrap} is dropped from the header of the frame that took the block over
 * (what comes before it ends on a frame boundary), so Pekko holds at most the bound (plus the
 * 9-byte frame headers) of one block. One WARN line, without a stack trace, names the bound and the
 * client (its identity, or no certificate; the engine does not know the client's address).
 *
 * <p>It also clamps the client's SETTINGS_MAX_FRAME_SIZE to 16,384 bytes ({@link
 * Http2HeaderBlockScanner}), so that Pekko HTTP buffers at most two 16 KiB frames of a response
 * that the client does not read ({@link BudgetedResponses}).
 *
 * <p>It also closes client connections while the node refuses clients ({@link ConnectionGate}: a
 * joining or not admitted node): every {@code unwrap} that yields plaintext (the first request
 * after the handshake, or any later record of a connection opened before) then delivers nothing and
 * ends the inbound side as above, so that the client sees a transport error (EOF), never an HTTP
 * status, and tries another server. Exempt identities ({@link ConnectionGate#exempt}) are served.
 *
 * <p>Only connections whose ALPN protocol is {@code h2} are scanned (decided at the first
 * plaintext, after the handshake); HTTP/1.1 has Pekko's own header limits. Everything else —
 * handshake, wrap, ALPN selector and protocol, parameters, session — is forwarded to the JDK engine
 * unchanged. Not thread-safe, like the engine it wraps: Pekko's TLS stage calls it from one actor.
 */
final class HeaderBlockLimitEngine extends SSLEngine {

  /** The config key of the bound. */
  static final String CONFIG_KEY = "minkms.http.max-header-block";

  private static final Logger LOG = LoggerFactory.getLogger(HeaderBlockLimitEngine.class);

  private final SSLEngine delegate;
  private final long maxBlockBytes;
  private final LogRateLimiter refusals;
  private final ConnectionGate gate;
  private Boolean exempt; // null until the gate is first closed for this connection
  private boolean protocolKnown;
  private Http2HeaderBlockScanner scanner; // null until known to be h2, and for other protocols
  private boolean refused;

  /**
   * @param delegate the JDK server engine, configured ({@code ServerTls.newEngine})
   * @param maxBlockBytes the largest HTTP/2 header block allowed, in bytes (at least 1)
   * @param refusals the rate of the refusal lines, shared by the server's connections (a client
   *     without a certificate can open refused connections at any rate)
   * @param gate closes client connections while the node refuses clients
   * @throws IllegalArgumentException if {@code maxBlockBytes < 1}
   */
  HeaderBlockLimitEngine(
      SSLEngine delegate, long maxBlockBytes, LogRateLimiter refusals, ConnectionGate gate) {
    super(delegate.getPeerHost(), delegate.getPeerPort());
    if (maxBlockBytes < 1) {
      throw new IllegalArgumentException(CONFIG_KEY + " must be at least 1 byte: " + maxBlockBytes);
    }
    this.delegate = delegate;
    this.maxBlockBytes = maxBlockBytes;
    this.refusals = refusals;
    this.gate = gate;
  }

  @Override
  public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
    if (refused) {
      return closed(0, 0);
    }
    int start = dst.position();
    SSLEngineResult result = delegate.unwrap(src, dst);
    if (result.bytesProduced() > 0 && gated()) {
      dst.position(start); // deliver none of it
      return refuseGated(result);
    }
    if (result.bytesProduced() > 0 && over(dst, start)) {
      dst.position(scanner.cut()); // deliver the frames before the one that took it over
      return refuse(result, dst.position() - start);
    }
    return result;
  }

  @Override
  public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length)
      throws SSLException {
    if (refused) {
      return closed(0, 0);
    }
    int[] starts = new int[length];
    for (int k = 0; k < length; k++) {
      starts[k] = dsts[offset + k].position();
    }
    SSLEngineResult result = delegate.unwrap(src, dsts, offset, length);
    if (result.bytesProduced() > 0 && gated()) {
      for (int k = 0; k < length; k++) {
        dsts[offset + k].position(starts[k]); // deliver none of it
      }
      return refuseGated(result);
    }
    for (int k = 0; k < length && result.bytesProduced() > 0; k++) {
      if (over(dsts[offset + k], starts[k])) {
        dsts[offset + k].position(scanner.cut());
        int delivered = 0;
        for (int j = 0; j < length; j++) {
          if (j > k) {
            dsts[offset + j].position(starts[j]); // deliver none of what follows
          }
          delivered += dsts[offset + j].position() - starts[j];
        }
        return refuse(result, delivered);
      }
    }
    return result;
  }

  /** True if the gate is closed for this connection's client now. */
  private boolean gated() {
    if (Boolean.TRUE.equals(exempt) || !gate.closed()) {
      return false;
    }
    if (exempt == null) {
      String identity;
      try {
        identity = Identities.peer(delegate.getSession());
      } catch (SSLPeerUnverifiedException | RuntimeException e) {
        identity = null;
      }
      exempt = gate.exempt(identity);
    }
    return !exempt;
  }

  /**
   * Ends the inbound side for good, as {@link #refuse}, delivering nothing, because the node
   * refuses clients ({@link ConnectionGate}); one INFO line per {@link LogRateLimiter} interval.
   */
  private SSLEngineResult refuseGated(SSLEngineResult result) {
    refused = true;
    long left = refusals.admit("gated");
    if (left != LogRateLimiter.SUPPRESS) {
      LOG.info(
          "connection closed: this node refuses clients (joining, or not admitted by its cluster),"
              + " from {}{}",
          client(),
          LogRateLimiter.leftOut(left));
    }
    delegate.closeOutbound();
    return closed(result.bytesConsumed(), 0);
  }

  /** Scans what {@code unwrap} wrote into {@code dst} since {@code start}: true if over. */
  private boolean over(ByteBuffer dst, int start) {
    if (!protocolKnown) {
      protocolKnown = true;
      if ("h2".equals(delegate.getApplicationProtocol())) {
        scanner = new Http2HeaderBlockScanner(maxBlockBytes);
      }
    }
    return scanner != null && dst.position() > start && scanner.feed(dst, start, dst.position());
  }

  /**
   * Ends the inbound side for good: this {@code unwrap} reports {@code CLOSED} with the bytes it
   * still delivers, every later one {@code CLOSED} with nothing, {@link #isInboundDone()} is true,
   * and the JDK engine is told to close its outbound side (a {@code close_notify}). Pekko's TLS
   * stage then completes and closes the TCP connection. (An {@link SSLException} would not do:
   * Pekko's stage unwraps again while it fails, and an engine that throws every time overflows its
   * stack.) Logs the refusal once, unless {@code refusals} leaves it out (one such line per {@link
   * LogRateLimiter} interval, telling how many were left out).
   */
  private SSLEngineResult refuse(SSLEngineResult result, int delivered) {
    refused = true;
    if (scanner.frameSizeUnclamped()) {
      long left = refusals.admit("unclamped frame size");
      if (left != LogRateLimiter.SUPPRESS) {
        LOG.warn(
            "HTTP/2 connection closed: SETTINGS_MAX_FRAME_SIZE over {} split across TLS records,"
                + " from {}{}",
            Http2HeaderBlockScanner.FRAME_SIZE_CLAMP,
            client(),
            LogRateLimiter.leftOut(left));
      }
      delegate.closeOutbound();
      return closed(result.bytesConsumed(), delivered);
    }
    long left = refusals.admit("header block over " + CONFIG_KEY);
    if (left != LogRateLimiter.SUPPRESS) {
      LOG.warn(
          "HTTP/2 connection closed: a header block of {} bytes announced, over {} bytes ({}),"
              + " from {}{}",
          scanner.blockBytes(),
          maxBlockBytes,
          CONFIG_KEY,
          client(),
          LogRateLimiter.leftOut(left));
    }
    delegate.closeOutbound();
    return closed(result.bytesConsumed(), delivered);
  }

  private SSLEngineResult closed(int bytesConsumed, int bytesProduced) {
    return new SSLEngineResult(
        SSLEngineResult.Status.CLOSED, delegate.getHandshakeStatus(), bytesConsumed, bytesProduced);
  }

  private String client() {
    try {
      return "client " + Identities.peer(delegate.getSession());
    } catch (SSLPeerUnverifiedException | RuntimeException e) {
      return "a client without certificate";
    }
  }

  @Override
  public SSLEngineResult wrap(ByteBuffer src, ByteBuffer dst) throws SSLException {
    return delegate.wrap(src, dst);
  }

  @Override
  public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst)
      throws SSLException {
    return delegate.wrap(srcs, offset, length, dst);
  }

  @Override
  public Runnable getDelegatedTask() {
    return delegate.getDelegatedTask();
  }

  @Override
  public void closeInbound() throws SSLException {
    delegate.closeInbound();
  }

  @Override
  public boolean isInboundDone() {
    return refused || delegate.isInboundDone();
  }

  @Override
  public void closeOutbound() {
    delegate.closeOutbound();
  }

  @Override
  public boolean isOutboundDone() {
    return delegate.isOutboundDone();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return delegate.getSupportedCipherSuites();
  }

  @Override
  public String[] getEnabledCipherSuites() {
    return delegate.getEnabledCipherSuites();
  }

  @Override
  public void setEnabledCipherSuites(String[] suites) {
    delegate.setEnabledCipherSuites(suites);
  }

  @Override
  public String[] getSupportedProtocols() {
    return delegate.getSupportedProtocols();
  }

  @Override
  public String[] getEnabledProtocols() {
    return delegate.getEnabledProtocols();
  }

  @Override
  public void setEnabledProtocols(String[] protocols) {
    delegate.setEnabledProtocols(protocols);
  }

  @Override
  public SSLSession getSession() {
    return delegate.getSession();
  }

  @Override
  public SSLSession getHandshakeSession() {
    return delegate.getHandshakeSession();
  }

  @Override
  public void beginHandshake() throws SSLException {
    delegate.beginHandshake();
  }

  @Override
  public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
    return delegate.getHandshakeStatus();
  }

  @Override
  public void setUseClientMode(boolean mode) {
    delegate.setUseClientMode(mode);
  }

  @Override
  public boolean getUseClientMode() {
    return delegate.getUseClientMode();
  }

  @Override
  public void setNeedClientAuth(boolean need) {
    delegate.setNeedClientAuth(need);
  }

  @Override
  public boolean getNeedClientAuth() {
    return delegate.getNeedClientAuth();
  }

  @Override
  public void setWantClientAuth(boolean want) {
    delegate.setWantClientAuth(want);
  }

  @Override
  public boolean getWantClientAuth() {
    return delegate.getWantClientAuth();
  }

  @Override
  public void setEnableSessionCreation(boolean flag) {
    delegate.setEnableSessionCreation(flag);
  }

  @Override
  public boolean getEnableSessionCreation() {
    return delegate.getEnableSessionCreation();
  }

  @Override
  public SSLParameters getSSLParameters() {
    return delegate.getSSLParameters();
  }

  @Override
  public void setSSLParameters(SSLParameters parameters) {
    delegate.setSSLParameters(parameters);
  }

  @Override
  public String getApplicationProtocol() {
    return delegate.getApplicationProtocol();
  }

  @Override
  public String getHandshakeApplicationProtocol() {
    return delegate.getHandshakeApplicationProtocol();
  }

  @Override
  public void setHandshakeApplicationProtocolSelector(
      BiFunction<SSLEngine, List<String>, String> selector) {
    delegate.setHandshakeApplicationProtocolSelector(selector);
  }

  @Override
  public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
    return delegate.getHandshakeApplicationProtocolSelector();
  }

  @Override
  public String toString() {
    return "HeaderBlockLimitEngine(" + delegate + ")";
  }
}
