package io.openkms.http.server;

import io.openkms.http.proto.CreateIdentityRequest;
import io.openkms.http.proto.DeleteIdentityRequest;
import io.openkms.http.proto.IdentityRequest;
import io.openkms.http.proto.IdentityResponse;
import io.openkms.http.proto.ListIdentitiesResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.ApiError;
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
 * and User identities belong to the enclave of the URL; SysAdmin identities are cluster-level and
 * live outside enclaves. A service account inherits its creator's rights and is deleted with it.
 */
final class IdentityHandlers {

  private IdentityHandlers() {}

  /**
   * What IDENTITY:CREATE acts on: the identity, and the privilege it grants (none for a service
   * account, which inherits its creator's rights).
   *
   * @throws KmsException 400 for a bad identity or privilege
   */
  static CommandTable.Subject created(Call call, CreateIdentityRequest req) {
    Identity identity = identity(req.getIdentity());
    Privilege requested = Privilege.parse(req.getPrivilege());
    return new CommandTable.Subject(
        identity.toString(), req.getIsServiceAccount() ? null : c -> requested);
  }

  /** IDENTITY:CREATE (401). */
  static CompletionStage<byte[]> create(Call call, CreateIdentityRequest req) {
    return call.commit(
        call.changes()
            .createIdentity(
                call.state(),
                call.api().roots(),
                call.enclave(),
                call.caller(),
                identity(req.getIdentity()),
                req.getPrivilege(),
                req.getIsServiceAccount(),
                req.getTagsMap()));
  }

  /**
   * What IDENTITY:DELETE acts on: the identity, and the privilege its removal takes away (404
   * {@code identity does not exist} if there is none).
   *
   * @throws KmsException 400 for a bad identity
   */
  static CommandTable.Subject deleted(Call call, DeleteIdentityRequest req) {
    Identity identity = identity(req.getIdentity());
    return new CommandTable.Subject(
        identity.toString(), c -> c.state().identity(scopeOf(c, identity), identity).privilege());
  }

  /** IDENTITY:DELETE (402): the identity and its service accounts. */
  static CompletionStage<byte[]> delete(Call call, DeleteIdentityRequest req) {
    Identity identity = identity(req.getIdentity());
    return call.commit(call.changes().deleteIdentity(scopeOf(call, identity), identity));
  }

  /**
   * The identity IDENTITY:STATUS asks for: the one named, or the caller when the request names
   * none.
   *
   * @throws KmsException 400 for a bad identity
   */
  static Identity named(Call call, IdentityRequest req) {
    return req.getIdentity().isEmpty() ? call.caller() : identity(req.getIdentity());
  }

  /** IDENTITY:STATUS (403): one identity, or the caller itself when the request names none. */
  static byte[] status(Call call, IdentityRequest req) {
    Identity identity = named(call, req);
    if (call.api().roots().contains(identity)
        && (identity.equals(call.caller()) || call.isSysAdmin())) {
      return IdentityResponse.newBuilder()
          .setIdentity(identity.toString())
          .setPrivilege(Privilege.SYS_ADMIN.value())
          .build()
          .toByteArray();
    }
    String scope = scopeOf(call, identity);
    return response(call, scope, call.state().identity(scope, identity)).toByteArray();
  }

  /** IDENTITY:LIST (404): the identities of the enclave (SysAdmins for {@code /v1/kms}). */
  static byte[] list(Call call, ListRequest req) {
    SortedMap<String, IdentityEntry> scope =
        call.enclave().isEmpty()
            ? call.state().sysAdmins()
            : call.state().enclave(call.enclave()).identities();
    Page<IdentityEntry> page =
        Listing.page(
            scope,
            req.getPrefix(),
            req.getContinueAt(),
            req.getLimit(),
            call.listFilter(Command.IDENTITY_LIST));
    ListIdentitiesResponse.Builder out =
        ListIdentitiesResponse.newBuilder().setContinueAt(page.continueAt());
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
        throw ApiError.EMPTY_IDENTITY.exception();
      }
      return id;
    } catch (IllegalArgumentException e) {
      // Identity.parse already says "invalid identity '<text>': <reason>".
      throw ApiError.invalidIdentity(e.getMessage());
    }
  }

  /**
   * Where {@code identity} is looked up: the URL's enclave ({@code ""} = cluster SysAdmins), so an
   * enclave's Admin or User never reaches identities of the cluster or of other enclaves. The
   * caller's own entry: among the cluster SysAdmins if it is one there (a SysAdmin entry shadows
   * any enclave entry of the same identity), else in the URL's enclave.
   */
  private static String scopeOf(Call call, Identity identity) {
    if (identity.equals(call.caller())
        && call.state().sysAdmins().containsKey(identity.toString())) {
      return "";
    }
    return call.enclave();
  }

  private static IdentityResponse response(Call call, String scope, IdentityEntry e) {
    IdentityResponse.Builder b =
        IdentityResponse.newBuilder()
            .setIdentity(e.identity().toString())
            .setPrivilege(e.privilege().value())
            .setPolicy(e.policy())
            .setCreatedAt(Call.timestamp(e.createdAt()))
            .setCreatedBy(Call.text(e.createdBy()))
            .setIsServiceAccount(e.serviceAccount())
            .putAllTags(e.tags());
    call.state()
        .serviceAccounts(scope, e.identity())
        .forEach(sa -> b.addServiceAccounts(sa.toString()));
    return b.build();
  }
}
