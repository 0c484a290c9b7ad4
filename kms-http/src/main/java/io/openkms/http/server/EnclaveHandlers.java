package io.openkms.http.server;

import io.openkms.http.proto.CreateEnclaveRequest;
import io.openkms.http.proto.DeleteEnclaveRequest;
import io.openkms.http.proto.EnclaveStatusRequest;
import io.openkms.http.proto.EnclaveStatusResponse;
import io.openkms.http.proto.ListEnclavesResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.kms.domain.EnclaveState;
import io.openkms.kms.domain.Listing;
import io.openkms.kms.domain.Names;
import io.openkms.kms.domain.Page;
import java.util.concurrent.CompletionStage;

/**
 * Handlers of the enclave commands 101–104 (docs/PROTOCOL.md §4.2). All need SysAdmin; a missing
 * enclave is 404 {@code enclave does not exist}, an existing one on create 409 {@code enclave
 * already exists}.
 */
final class EnclaveHandlers {

  private EnclaveHandlers() {}

  /** ENCLAVE:CREATE (101). */
  static CompletionStage<byte[]> create(Call call, CreateEnclaveRequest req) {
    Names.check("enclave", req.getName());
    return call.commit(call.changes().createEnclave(req.getName(), call.caller()));
  }

  /** ENCLAVE:DELETE (102): the enclave and everything in it. */
  static CompletionStage<byte[]> delete(Call call, DeleteEnclaveRequest req) {
    return call.commit(call.changes().deleteEnclave(req.getName()));
  }

  /** ENCLAVE:STATUS (103). */
  static byte[] status(Call call, EnclaveStatusRequest req) {
    return status(call.state().enclave(req.getName())).toByteArray();
  }

  /** ENCLAVE:LIST (104). */
  static byte[] list(Call call, ListRequest req) {
    Page<EnclaveState> page =
        Listing.page(call.state().enclaves(), req.getPrefix(), req.getContinueAt(), req.getLimit());
    ListEnclavesResponse.Builder out =
        ListEnclavesResponse.newBuilder().setContinueAt(page.continueAt());
    page.items().forEach(e -> out.addEnclaves(status(e)));
    return out.build().toByteArray();
  }

  private static EnclaveStatusResponse status(EnclaveState e) {
    return EnclaveStatusResponse.newBuilder()
        .setName(e.name())
        .setCreatedAt(Call.timestamp(e.createdAt()))
        .setCreatedBy(Call.text(e.createdBy()))
        .build();
  }
}
