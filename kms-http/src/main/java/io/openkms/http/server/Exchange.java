package io.openkms.http.server;

import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.Command;

/**
 * What the handling of one request learned about it, for the edge's metrics and audit line ({@link
 * Edge}): the command, the caller, the enclave, the first frame's payload (its name is read only
 * when the audit line is written). Filled in by one thread at a time as the request moves through
 * its stages; read once the response is known.
 */
final class Exchange {

  /** The endpoint's row in the edge table. */
  Edge.Route route;

  /** The command of a {@code /v1/kms} request, once its frames are parsed. */
  Command command;

  /** The caller's identity, once known. */
  Identity caller;

  /** The enclave of the URL. */
  String enclave = "";

  /** The first frame's payload (protobuf), for the audit line's name. */
  byte[] firstPayload;

  /** The number of command frames. */
  int frames;

  Exchange(Edge.Route route) {
    this.route = route;
  }
}
