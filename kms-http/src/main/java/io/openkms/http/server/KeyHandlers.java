package io.openkms.http.server;

import com.google.protobuf.ByteString;
import io.openkms.http.proto.CreateKeyRequest;
import io.openkms.http.proto.DecryptRequest;
import io.openkms.http.proto.DecryptResponse;
import io.openkms.http.proto.DeleteKeyRequest;
import io.openkms.http.proto.EncryptRequest;
import io.openkms.http.proto.EncryptResponse;
import io.openkms.http.proto.GenerateKeyRequest;
import io.openkms.http.proto.GenerateKeyResponse;
import io.openkms.http.proto.ImportKeyRequest;
import io.openkms.http.proto.KeyStatusRequest;
import io.openkms.http.proto.KeyStatusResponse;
import io.openkms.http.proto.ListKeysResponse;
import io.openkms.http.proto.ListRequest;
import io.openkms.http.proto.MACRequest;
import io.openkms.http.proto.MACResponse;
import io.openkms.kms.crypto.DecryptException;
import io.openkms.kms.crypto.KeyRing;
import io.openkms.kms.crypto.KeyVersion;
import io.openkms.kms.crypto.RandomSource;
import io.openkms.kms.domain.ApiError;
import io.openkms.kms.domain.Command;
import io.openkms.kms.domain.KeyEntry;
import io.openkms.kms.domain.Listing;
import io.openkms.kms.domain.Page;
import java.util.concurrent.CompletionStage;

/**
 * Handlers of the key commands 201–208 and 210 (docs/PROTOCOL.md §4.2, §8). Reads use the request's
 * state snapshot only: one key lookup, one AEAD or HMAC call, no actor round trip
 * (docs/ARCHITECTURE.md §4). Version 0 means the latest version on encrypt, generate, MAC and
 * status; decrypt with version 0 tries the versions newest first. A missing key or version is 404
 * {@code key does not exist}; a ciphertext that fails authentication is 400 {@code invalid
 * ciphertext}.
 */
final class KeyHandlers {

  private static final RandomSource RANDOM = RandomSource.secure();

  private KeyHandlers() {}

  /** KEY:CREATE (201): a new key, or with {@code add_version} a new version of it. */
  static CompletionStage<byte[]> create(Call call, CreateKeyRequest req) {
    if (req.getAddVersion()) {
      return call.commit(
          call.changes()
              .addKeyVersion(
                  call.state(), call.enclave(), req.getName(), req.getType(), call.caller()));
    }
    return call.commit(
        call.changes().createKey(call.enclave(), req.getName(), req.getType(), call.caller()));
  }

  /** KEY:IMPORT (203): a key from given 32-byte material. */
  static CompletionStage<byte[]> importKey(Call call, ImportKeyRequest req) {
    return call.commit(
        call.changes()
            .importKey(
                call.enclave(),
                req.getName(),
                req.getType(),
                req.getKey().toByteArray(),
                call.caller()));
  }

  /** KEY:DELETE (202): one version (0 = latest) or, with {@code all_versions}, the key. */
  static CompletionStage<byte[]> delete(Call call, DeleteKeyRequest req) {
    return call.commit(
        call.changes()
            .deleteKey(
                call.state(),
                call.enclave(),
                req.getName(),
                ApiError.keyVersion(req.getVersion()),
                req.getAllVersions()));
  }

  /** KEY:STATUS (204). */
  static byte[] status(Call call, KeyStatusRequest req) {
    KeyEntry key = call.state().key(call.enclave(), req.getName());
    return status(key.name(), version(key.ring(), ApiError.keyVersion(req.getVersion())))
        .toByteArray();
  }

  /** KEY:ENCRYPT (205). */
  static byte[] encrypt(Call call, EncryptRequest req) {
    KeyVersion v =
        version(
            call.state().key(call.enclave(), req.getName()).ring(),
            ApiError.keyVersion(req.getVersion()));
    byte[] ciphertext =
        v.encrypt(req.getPlaintext().toByteArray(), req.getAssociatedData().toByteArray());
    return EncryptResponse.newBuilder()
        .setVersion(v.version())
        .setCiphertext(ByteString.copyFrom(ciphertext))
        .build()
        .toByteArray();
  }

  /**
   * KEY:DECRYPT (206). Version 0 tries the versions newest first, within the request's budget of
   * trials ({@code limits: decrypt_trials}, shared by all frames of a batch): 400 {@code limit
   * exceeded: at most N trial decryptions per request (limits: decrypt_trials)} when the budget
   * ends before a version decrypted and before every version was tried.
   */
  static byte[] decrypt(Call call, DecryptRequest req) {
    KeyRing ring = call.state().key(call.enclave(), req.getName()).ring();
    int version = ApiError.keyVersion(req.getVersion());
    byte[] ciphertext = req.getCiphertext().toByteArray();
    byte[] associatedData = req.getAssociatedData().toByteArray();
    byte[] plaintext;
    if (version != 0) {
      try {
        plaintext = version(ring, version).decrypt(ciphertext, associatedData);
      } catch (DecryptException e) {
        throw ApiError.INVALID_CIPHERTEXT.exception();
      }
    } else {
      int left = Math.max(0, call.decryptTrialsLeft().get());
      KeyRing.Attempt attempt = ring.decryptNewestFirst(ciphertext, associatedData, left);
      call.decryptTrialsLeft().addAndGet(-attempt.tried());
      if (attempt.decrypted() == null) {
        if (attempt.tried() < ring.size()) {
          throw ApiError.limitExceeded(
              call.api().node().quotas().decryptTrials(),
              "trial decryptions per request",
              "decrypt_trials");
        }
        throw ApiError.INVALID_CIPHERTEXT.exception();
      }
      plaintext = attempt.decrypted().plaintext();
    }
    return DecryptResponse.newBuilder()
        .setPlaintext(ByteString.copyFrom(plaintext))
        .build()
        .toByteArray();
  }

  /** KEY:GENERATE (207): a data key of {@code length} bytes (0 = 32, at most 1024). */
  static byte[] generate(Call call, GenerateKeyRequest req) {
    int length = ApiError.dataKeyLength(req.getLength());
    KeyVersion v =
        version(
            call.state().key(call.enclave(), req.getName()).ring(),
            ApiError.keyVersion(req.getVersion()));
    byte[] plaintext = new byte[length];
    RANDOM.nextBytes(plaintext);
    byte[] ciphertext = v.encrypt(plaintext, req.getAssociatedData().toByteArray());
    return GenerateKeyResponse.newBuilder()
        .setVersion(v.version())
        .setPlaintext(ByteString.copyFrom(plaintext))
        .setCiphertext(ByteString.copyFrom(ciphertext))
        .build()
        .toByteArray();
  }

  /** KEY:MAC (210): HMAC-SHA256 under the version's MAC subkey. */
  static byte[] mac(Call call, MACRequest req) {
    KeyVersion v =
        version(
            call.state().key(call.enclave(), req.getName()).ring(),
            ApiError.keyVersion(req.getVersion()));
    return MACResponse.newBuilder()
        .setVersion(v.version())
        .setMAC(ByteString.copyFrom(v.mac(req.getMessage().toByteArray())))
        .build()
        .toByteArray();
  }

  /** KEY:LIST (208): keys sorted by name, each with its latest version. */
  static byte[] list(Call call, ListRequest req) {
    Page<KeyEntry> page =
        Listing.page(
            call.state().enclave(call.enclave()).keys(),
            req.getPrefix(),
            req.getContinueAt(),
            req.getLimit(),
            call.listFilter(Command.KEY_LIST));
    ListKeysResponse.Builder out = ListKeysResponse.newBuilder().setContinueAt(page.continueAt());
    for (KeyEntry key : page.items()) {
      key.ring().latest().ifPresent(v -> out.addKeys(status(key.name(), v)));
    }
    return out.build().toByteArray();
  }

  private static KeyVersion version(KeyRing ring, int version) {
    return ring.version(version).orElseThrow(ApiError.KEY_NOT_FOUND::exception);
  }

  private static KeyStatusResponse status(String name, KeyVersion v) {
    return KeyStatusResponse.newBuilder()
        .setName(name)
        .setVersion(v.version())
        .setType(v.type().wireName())
        .setCreatedAt(Call.timestamp(v.createdAt()))
        .setCreatedBy(Call.text(v.createdBy()))
        .build();
  }
}
