package io.openkms.http.server;

import io.openkms.kms.domain.ApiError;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * Answers requests that Pekko HTTP rejects before the API sees them (414 URI too long, 431 header
 * fields too large, 400 malformed request line or header, 501 unsupported method or transfer
 * encoding, 505 HTTP version not supported) with the same error body as every other error
 * (docs/PROTOCOL.md §6.1): {@code application/json} {@code {"message":"…"}}, the message being
 * Pekko's one-line summary (for example {@code URI length exceeds the configured limit of 2048
 * characters}), never the offending bytes. Installed by {@code
 * pekko.http.server.parsing.error-handler} in {@code minkms-http.conf}; Pekko creates it by its
 * public no-argument constructor.
 */
public final class JsonParsingErrorHandler extends ParsingErrorHandler {

  @Override
  public HttpResponse handle(
      StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    String message = info.summary();
    if (message == null || message.isBlank()) {
      message = status.reason();
    }
    // Debug only: a client can send malformed requests at any rate.
    log.debug("illegal request, responding with status {}: {}", status.intValue(), message);
    return Responses.error(null, ApiError.rejected(status.intValue(), message.strip()));
  }
}
