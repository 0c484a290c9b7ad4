package io.openkms.bench.load;

import java.util.List;

/**
 * Sends the frames of one {@code /v1/kms} request for a worker and waits for the answer: the {@code
 * KmsClient} (shared by every worker) or a {@link WorkerConnections} connection per worker.
 */
@FunctionalInterface
public interface FrameSender {
  /**
   * @param worker the worker's index, 0 … concurrency − 1
   * @param enclave the enclave of the request path
   * @param commandId the command id of every frame (docs/PROTOCOL.md §4.2)
   * @param payloads one serialized request message per frame
   * @return the response payloads
   * @throws io.openkms.http.client.KmsRequestException when the request failed
   */
  List<byte[]> send(int worker, String enclave, int commandId, List<byte[]> payloads);
}
