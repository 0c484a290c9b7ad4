package io.openkms.http.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.DeleteIdentityRequest;
import io.openkms.http.proto.IdentityRequest;
import io.openkms.http.proto.IdentityResponse;
import io.openkms.http.proto.ListIdentitiesResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Authorizer;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.IdentityEntry;
import io.openkms.kms.domain.KmsException;
import io.openkms.kms.domain.Listing;
import io.openkms.kms.domain.Page;
import io.openkms.kms.domain.Privilege;
import java.util.SortedMap;
import java.util.concurrent.CompletionStage;

/**
 * Handlers of the identity commands 401–404 (docs/PROTOCOL.md §4.2, §5.2 IdentityResponse). Admin
 * and User identities belong to the enclave of the URL; SysAdmin identities are cluster-level
 * and live outside enclaves. A service account inherits its creator's rights and is deleted
 * with it.
 */
final class IdentityHandlers {

  private IdentityHandlers() {}

  /** IDENTITY:CREATE (401). */
  static CompletionStage<byte[]> create(Call call, byte[] payload)
      throws InvalidProtocolBufferException {
    CreateIdentityRequest req = CreateIdentityRequest.parseFrom(payload);
    Identity identity = identity(req.getIdentity());
    Privilege requested = Privilege.parse(req.getPrivilege());
    Authorizer.authorizeCreateIdentity(call.state(), call.caller(), call.api().roots(),
        call.enclave(), identity, requested, req.getIsServiceAccount());
    return call.commit(call.changes().createIdentity(call.state(), call.api().roots(),
        call.enclave(), call.caller(), identity, req.getPrivilege(), req.getIsServiceAccount(),
        req.getTagsMap()));
  }

  /** IDENTITY:DELETE (402): the identity and its service accounts. */
  static CompletionStage<byte[]> delete(Call call, byte[] payload)
      throws InvalidProtocolBufferException {
    DeleteIdentityRequest req = DeleteIdentityRequest.parseFrom(payload);
    Identity identity = identity(req.getIdentity());
    call.authorize(Command.IDENTITY_DELETE, identity.toString());
    String scope = scopeOf(call, identity);
    IdentityEntry target = call.state().identity(scope, identity);
    Privilege own = Authorizer.effective(call.state(), call.caller(), call.api().roots(),
            call.enclave()).map(Authorizer.Effective::privilege)
        .orElseThrow(ApiError.PERMISSION_DENIED::exception);
    if (target.privilege().value() < own.value()) {
      throw ApiError.PERMISSION_DENIED.exception(); // nobody removes more privilege than held
    }
    return call.commit(call.changes().deleteIdentity(scope, identity));
  }

  /** IDENTITY:STATUS (403): one identity, or the caller itself when the request names none. */
  static byte[] status(Call call, byte[] payload) throws InvalidProtocolBufferException {
    IdentityRequest req = IdentityRequest.parseFrom(payload);
    Identity identity = req.getIdentity().isEmpty() ? call.caller() : identity(req.getIdentity());
    call.authorize(Command.IDENTITY_STATUS, identity.toString());
    if (call.api().roots().contains(identity)
        && (identity.equals(call.caller()) || isSysAdmin(call))) {
      return IdentityResponse.newBuilder().setIdentity(identity.toString())
          .setPrivilege(Privilege.SYS_ADMIN.value()).build().toByteArray();
    }
    String scope = scopeOf(call, identity);
    return response(call, scope, call.state().identity(scope, identity)).toByteArray();
  }

  /** IDENTITY:LIST (404): the identities of the enclave (SysAdmins for {@code /v1/kms}). */
  static byte[] list(Call call, byte[] payload) throws InvalidProtocolBufferException {
    ListRequest req = ListRequest.parseFrom(payload);
    call.authorize(Command.IDENTITY_LIST, req.getPrefix());
    SortedMap<String, IdentityEntry> scope = call.enclave().isEmpty()
        ? call.state().sysAdmins() : call.state().enclave(call.enclave()).identities();
    Page<IdentityEntry> page = Listing.page(scope, req.getPrefix(), req.getContinueAt(),
        req.getLimit(), call.listFilter(Command.IDENTITY_LIST));
    ListIdentitiesResponse.Builder out = ListIdentitiesResponse.newBuilder()
        .setContinueAt(page.continueAt());
    page.items().forEach(e -> out.addIdentities(response(call, call.enclave(), e)));
    return out.build().toByteArray();
  }

  /**
   * Parses an {@code h1:} identity from a request.
   *
   * @throws KmsException 400 naming the bad identity
   */
  static Identity identity(String text) {
    try {
      Identity id = Identity.parse(text);
      if (id.isZero()) {
        throw new KmsException(400, "kms: identity must not be empty");
      }
      return id;
    } catch (IllegalArgumentException e) {
      // Identity.parse already says "invalid identity '<text>': <reason>".
      throw new KmsException(400, "kms: " + e.getMessage());
    }
  }

  /**
   * Where {@code identity} is looked up: the URL's enclave ({@code ""} = cluster SysAdmins), so
   * an enclave's Admin or User never reaches identities of the cluster or of other enclaves.
   * The caller's own entry: among the cluster SysAdmins if it is one there (a SysAdmin entry
   * shadows any enclave entry of the same identity), else in the URL's enclave.
   */
  private static String scopeOf(Call call, Identity identity) {
    if (identity.equals(call.caller())
        && call.state().sysAdmins().containsKey(identity.toString())) {
      return "";
    }
    return call.enclave();
  }

  private static boolean isSysAdmin(Call call) {
    return Authorizer.effective(call.state(), call.caller(), call.api().roots(), call.enclave())
        .map(e -> e.privilege() == Privilege.SYS_ADMIN).orElse(false);
  }

  private static IdentityResponse response(Call call, String scope, IdentityEntry e) {
    IdentityResponse.Builder b = IdentityResponse.newBuilder()
        .setIdentity(e.identity().toString())
        .setPrivilege(e.privilege().value())
        .setPolicy(e.policy())
        .setCreatedAt(Call.timestamp(e.createdAt()))
        .setCreatedBy(Call.text(e.createdBy()))
        .setIsServiceAccount(e.serviceAccount())
        .putAllTags(e.tags());
    call.state().serviceAccounts(scope, e.identity())
        .forEach(sa -> b.addServiceAccounts(sa.toString()));
    return b.build();
  }
}
