package io.openkms.http.server;

import com.google.protobuf.Timestamp;
import io.openkms.kms.crypto.Identity;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Authorizer;
import io.openkms.kms.domain.Change;
import io.openkms.kms.domain.Changes;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.KmsState;
import io.openkms.kms.domain.Privilege;
import java.time.Instant;
import java.util.concurrent.CompletionStage;

/**
 * One API request as the handlers see it: who calls, in which enclave, and the state snapshot taken
 * once when the request started (every frame of a batch reads the same snapshot).
 *
 * @param api the node and server facts
 * @param caller the caller's identity (SHA-256 of its certificate's public key)
 * @param enclave the enclave from the URL, {@code ""} for {@code /v1/kms}
 * @param state the node's applied state when the request arrived
 * @param decryptTrialsLeft how many more key versions this request's decrypt frames with version 0
 *     may try ({@code limits: decrypt_trials}; shared by all frames of the request)
 */
record Call(
    ApiContext api,
    Identity caller,
    String enclave,
    KmsState state,
    java.util.concurrent.atomic.AtomicInteger decryptTrialsLeft) {

  /** Empty response payload of commands that return nothing. */
  static final byte[] NOTHING = new byte[0];

  /** A request with the node's full budget of decrypt trials ({@code limits: decrypt_trials}). */
  Call(ApiContext api, Identity caller, String enclave, KmsState state) {
    this(
        api,
        caller,
        enclave,
        state,
        new java.util.concurrent.atomic.AtomicInteger(api.node().quotas().decryptTrials()));
  }

  /**
   * Checks that the caller may run {@code cmd} on {@code resource} here ({@link Access#POLICY});
   * called by the {@link CommandTable} only.
   *
   * @throws io.openkms.kms.domain.KmsException 403 {@code access denied: insufficient permissions}
   *     or 404 {@code enclave does not exist}
   */
  void authorize(Command cmd, String resource) {
    Authorizer.authorize(state, caller, api.roots(), enclave, cmd, resource);
  }

  /**
   * Checks that the caller is a SysAdmin ({@link Access#SYSADMIN}); called by the {@link
   * CommandTable} only.
   *
   * @throws io.openkms.kms.domain.KmsException 403 {@code access denied: insufficient permissions}
   */
  void requireSysAdmin() {
    if (!isSysAdmin()) {
      throw ApiError.PERMISSION_DENIED.exception();
    }
  }

  /**
   * Checks that the caller holds at least {@code stake} here: nobody grants or removes more
   * privilege than they hold ({@code IDENTITY:CREATE}, {@code IDENTITY:DELETE}); called by the
   * {@link CommandTable} only.
   *
   * @throws io.openkms.kms.domain.KmsException 403 {@code access denied: insufficient permissions}
   */
  void requireAtLeast(Privilege stake) {
    Authorizer.authorizeStake(state, caller, api.roots(), enclave, stake);
  }

  /** True if the caller is a SysAdmin. */
  boolean isSysAdmin() {
    return Authorizer.effective(state, caller, api.roots(), enclave)
        .map(e -> e.privilege() == Privilege.SYS_ADMIN)
        .orElse(false);
  }

  /**
   * The names of a list result the caller may see ({@link Authorizer#listFilter}): all for a
   * SysAdmin or Admin, those its policy allows for {@code cmd} for a User.
   */
  java.util.function.Predicate<String> listFilter(Command cmd) {
    return Authorizer.listFilter(state, caller, api.roots(), enclave, cmd);
  }

  /** Builds changes with this server's clock and a fresh random source. */
  Changes changes() {
    return new Changes(api.clock(), io.openkms.kms.crypto.RandomSource.secure());
  }

  /** Replicates {@code change}; completes with the empty payload once it is committed. */
  CompletionStage<byte[]> commit(Change change) {
    return Stages.sameThread(api.node().write(change)).thenApply(index -> NOTHING);
  }

  /** Protobuf form of {@code instant} (docs/PROTOCOL.md §5: google.protobuf.Timestamp). */
  static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  /** Text form of an identity for {@code created_by}: {@code ""} for the zero identity. */
  static String text(Identity identity) {
    return identity == null ? "" : identity.toString();
  }
}
